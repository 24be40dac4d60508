"""Sharded vector indexes: one FAISS file per shard per level, searched together.

A sharded store splits each level's index by *article rowid range*: shard ``i`` holds the
passages (or document vectors) of the articles whose rowid lies in
``[bounds[i], bounds[i + 1])``, the last shard being open-ended. The bounds are recorded in
the store's ``meta`` table under ``shards`` (JSON list), so every shard can be rebuilt from
SQLite alone, and a single-process ``add`` to a sharded store simply extends the last shard.

Files: ``index-<level>.shard-<i>.faiss``. Without the ``shards`` meta key a store is plain
(``index-<level>.faiss``) and nothing here is used. Reading and writing shard files
for a store: ``Store.index`` and the other methods of ``_indexes``.

:class:`ShardedIndex` has the search API of :class:`~protocol_match.store.VectorIndex`
(``search``, ``len``, ``dimension``, ``kind``, ``add``). It merges the shards' top-k lists in
numpy: with exact (flat) shards the merged result is the exact top-k of the union, equal to
one flat index over all vectors; ties are broken by lower id, which is also which tied
vectors a single flat FAISS index keeps (it keeps the first inserted, and ids are inserted in
ascending order). This module imports neither faiss nor ray.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import StoreError

SHARDS_META = "shards"


class Shard(Protocol):
    """What a shard must offer (a VectorIndex does)."""

    dimension: int
    kind: str

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...

    def __len__(self) -> int: ...


def shard_file_name(level: str, shard: int) -> str:
    """File name of shard ``shard`` of ``level``."""
    if shard < 0:
        raise ValueError(f"shard must be >= 0, got {shard}")
    return f"index-{level}.shard-{shard}.faiss"


@dataclass(frozen=True)
class ShardLayout:
    """Article-rowid ranges of the shards: shard ``i`` covers ``[bounds[i], bounds[i+1])``."""

    bounds: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.bounds:
            raise ValueError("a shard layout needs at least one shard")
        if any(b < 1 for b in self.bounds) or list(self.bounds) != sorted(self.bounds):
            raise ValueError(f"shard bounds must be ascending rowids >= 1, got {self.bounds}")

    @property
    def count(self) -> int:
        return len(self.bounds)

    def range_of(self, shard: int) -> tuple[int, int | None]:
        """(first rowid, end rowid exclusive or None for the open last shard)."""
        if not 0 <= shard < self.count:
            raise ValueError(f"shard {shard} out of range 0..{self.count - 1}")
        hi = self.bounds[shard + 1] if shard + 1 < self.count else None
        return self.bounds[shard], hi

    def with_shard(self, first_rowid: int) -> ShardLayout:
        """This layout with a new last shard starting at ``first_rowid``."""
        return ShardLayout((*self.bounds, max(first_rowid, self.bounds[-1])))

    def to_json(self) -> str:
        return json.dumps(list(self.bounds))

    @classmethod
    def from_json(cls, text: str) -> ShardLayout:
        try:
            bounds = tuple(int(b) for b in json.loads(text))
            return cls(bounds)
        except (ValueError, TypeError) as exc:
            raise StoreError(
                f"the store's shard layout {text!r} is damaged ({exc}); run "
                "`protocol-match rebuild`"
            ) from exc


def merge_topk(
    results: Sequence[tuple[np.ndarray, np.ndarray]], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Merge per-shard ``(sims (m, k_i), ids (m, k_i))`` into the top ``k`` of their union.

    Best first; equal similarities are ordered by id (see module docstring); padded with
    ``-inf`` / ``-1``.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if not results:
        raise ValueError("nothing to merge")
    sims = np.concatenate([np.asarray(s, dtype=np.float32) for s, _ in results], axis=1)
    ids = np.concatenate([np.asarray(i, dtype=np.int64) for _, i in results], axis=1)
    m = sims.shape[0]
    # Padding (-1) sorts last: its similarity is -inf and its id key is the largest.
    id_key = np.where(ids < 0, np.iinfo(np.int64).max, ids)
    order = np.lexsort((id_key, -sims), axis=1)[:, :k]
    out_s = np.take_along_axis(sims, order, axis=1)
    out_i = np.take_along_axis(ids, order, axis=1)
    if out_s.shape[1] < k:  # fewer candidates than k in total
        pad = k - out_s.shape[1]
        out_s = np.concatenate([out_s, np.full((m, pad), -np.inf, np.float32)], axis=1)
        out_i = np.concatenate([out_i, np.full((m, pad), -1, np.int64)], axis=1)
    out_i[~np.isfinite(out_s)] = -1
    return np.ascontiguousarray(out_s), np.ascontiguousarray(out_i)


class ShardedIndex:
    """Several indexes searched as one (same API as VectorIndex for searching)."""

    def __init__(self, shards: Sequence[Shard]) -> None:
        if not shards:
            raise ValueError("a sharded index needs at least one shard")
        dims = {s.dimension for s in shards}
        if len(dims) != 1:
            raise ValueError(f"shards have different dimensions: {sorted(dims)}")
        self.shards: list[Shard] = list(shards)
        self.dimension: int = dims.pop()

    @property
    def kind(self) -> str:
        kinds = sorted({s.kind for s in self.shards})
        return kinds[0] if len(kinds) == 1 else "+".join(kinds)

    def __len__(self) -> int:
        return sum(len(s) for s in self.shards)

    def __repr__(self) -> str:
        return f"ShardedIndex(shards={len(self.shards)}, kind={self.kind!r}, n={len(self)})"

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` over all shards: ``(sims (m, k) float32, ids (m, k) int64)``."""
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        queries = np.asarray(queries, dtype=np.float32)
        if queries.ndim != 2 or queries.shape[1] != self.dimension:
            raise ValueError(f"queries must have shape (m, {self.dimension}), got {queries.shape}")
        return merge_topk(self.search_shards(queries, int(k)), int(k))

    def search_shards(self, queries: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each shard's top-k (a hook: ``distributed`` runs them in parallel on Ray actors)."""
        return [s.search(queries, k) for s in self.shards]

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        """Add to the last shard (new articles always have the highest rowids)."""
        self.shards[-1].add(vectors, ids)  # type: ignore[attr-defined]

    def nbytes(self) -> int:
        """Serialized size of all shards."""
        return sum(s.nbytes() for s in self.shards)  # type: ignore[attr-defined]


def index_files(store_path: Path, level: str) -> list[Path]:
    """Every index file of ``level`` in a store folder, plain or sharded."""
    plain = store_path / f"index-{level}.faiss"
    found = sorted(store_path.glob(f"index-{level}.shard-*.faiss"))
    return ([plain] if plain.is_file() else []) + found
