"""A store's FAISS index files: loaded on first use, rebuilt from the stored vectors when
missing, stale or damaged, extended as articles are added; plain or sharded (``_shards``)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import StoreError
from ._files import write_file_atomic
from ._index import VectorIndex
from ._kinds import IVF_MIN_VECTORS, ivf_nlist
from ._reads import StoreReads
from ._shards import SHARDS_META, ShardedIndex, ShardLayout, shard_file_name
from ._sqlite import LEVELS

log = logging.getLogger(__name__)


class StoreIndexes(StoreReads):
    """The index methods of :class:`~protocol_match.store.Store`."""

    def index_path(self, level: str) -> Path:
        return self.path / f"index-{level}.faiss"

    def index(self, level: str, *, kind: str | None = None):  # noqa: ANN201 - Vector/ShardedIndex
        """The FAISS index of ``level``, rebuilt from stored vectors when missing or stale."""

        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
        cached = self._indexes.get(level)
        expected = self.count(level)
        if cached is not None and len(cached) == expected:
            return cached
        layout = self.shard_layout()
        if layout is not None:
            self._indexes[level] = self._open_sharded(level, layout, kind)
            return self._indexes[level]
        idx = self.load_index_file(self.index_path(level), expected)
        if idx is None:
            idx = self.rebuild_index(level, kind=kind)
        self._indexes[level] = idx
        return idx

    def load_index_file(self, path: Path, expected: int):  # noqa: ANN201 - VectorIndex | None
        """The index saved at ``path`` when it is readable and holds ``expected`` vectors of
        this store's dimension; None (a damaged file is logged) when it must be rebuilt."""
        if not path.is_file():
            return None
        try:
            idx = VectorIndex.load(path)
        except StoreError as exc:
            log.warning("%s; rebuilding it from the stored vectors", exc)
            return None
        if len(idx) != expected or idx.dimension != self.meta.dimension:
            return None
        return idx

    def rebuild_index(self, level: str, *, kind: str | None = None):  # noqa: ANN201
        """Build the index of ``level`` from the stored vectors and save it atomically."""
        layout = self.shard_layout()
        if layout is not None:
            self._indexes[level] = self._rebuild_sharded(level, layout, kind)
            return self._indexes[level]
        ids, vecs = self.level_vectors(level)
        kind = kind or self.meta.index_kind
        log.info("building %s index of %d %s vectors", kind, len(ids), level)
        idx = VectorIndex.build(vecs, ids, kind=kind) if len(ids) else None
        if idx is None:
            idx = VectorIndex.build(np.zeros((0, self.meta.dimension), np.float32), ids, "flat")
        idx.save(self.index_path(level))
        self._indexes[level] = idx
        return idx

    def extend_index(
        self, level: str, ids: np.ndarray, vecs: np.ndarray, *, save: bool = True
    ) -> None:
        """Append new vectors to the index of ``level`` and save it.

        With ``save=False`` the file is left stale until :meth:`save_indexes` (a bulk add
        saves every so often instead of per batch: each save rewrites the whole index, so
        per-batch saves grow quadratically with the corpus). A stale file is detected by its
        size and rebuilt, so a crash in between costs a rebuild, never a wrong answer.
        """
        idx = self._indexes.get(level)
        if idx is None or len(idx) + len(ids) != self.count(level):
            self._indexes.pop(level, None)
            self.index(level)  # rebuilds from SQLite, which already holds the new rows
            return
        layout = self.shard_layout()
        if layout is not None:  # new articles have the highest rowids: the last shard
            self._indexes[level] = self._extend_sharded(level, layout, idx, ids, vecs)
            return
        idx.add(vecs, ids)
        if self._outgrown(idx):
            # The corpus grew past what this index kind/size was chosen for.
            self.rebuild_index(level)
            self._unsaved.discard(level)
            return
        if save:
            idx.save(self.index_path(level))
            self._unsaved.discard(level)
        else:
            self._unsaved.add(level)

    def save_indexes(self) -> None:
        """Save the indexes extended with ``save=False`` since their last save."""
        for level in sorted(self._unsaved):
            idx = self._indexes.get(level)
            if idx is not None and len(idx) == self.count(level):
                idx.save(self.index_path(level))
        self._unsaved.clear()

    def _outgrown(self, idx) -> bool:  # noqa: ANN001 - VectorIndex
        """Whether ``idx`` should be rebuilt for its current size. "auto" stores follow
        ``choose_kind``; a forced IVF kind keeps its kind but not the list count it was
        trained with on the first batch (lists grow long and slow), nor the flat fallback
        it got while it had too few vectors to train."""
        if self.meta.index_kind == "auto":
            return bool(idx.outgrown())
        if not self.meta.index_kind.startswith("ivf"):
            return False
        n = len(idx)
        if idx.kind == "flat":
            return n >= IVF_MIN_VECTORS
        nlist = getattr(idx, "nlist", None)  # the FAISS IVF index's list count
        return nlist is not None and ivf_nlist(n) > 2 * int(nlist)

    def cache_index(self, level: str, index: object) -> None:
        """Serve ``level`` from ``index`` (e.g. a distributed view of the same shards) for as
        long as its size matches the store; :meth:`forget_index` drops it."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
        self._indexes[level] = index

    def forget_index(self, level: str) -> None:
        """Drop the in-memory index of ``level``; the next use reads the files again."""
        self._indexes.pop(level, None)

    def shard_layout(self) -> ShardLayout | None:
        """The article-rowid ranges of the index shards; None for a plain store."""
        text = self.get_meta(SHARDS_META)
        return ShardLayout.from_json(text) if text else None

    def shard_file_bytes(self, level: str, shard: int) -> bytes:
        """The bytes of shard ``shard``'s index file of ``level`` (to serve it elsewhere)."""
        return (self.path / shard_file_name(level, shard)).read_bytes()

    def write_shard_file(self, level: str, shard: int, data: bytes) -> None:
        """Write shard ``shard``'s index file of ``level`` atomically from ``data``."""
        write_file_atomic(self.path / shard_file_name(level, shard), data)

    def index_files_to_shard_zero(self, keep: bool) -> None:
        """Before a plain store is written as a sharded one: its index files become shard 0
        of each level when ``keep`` (it holds articles), else they are removed."""
        for level in LEVELS:
            plain = self.index_path(level)
            if plain.is_file() and keep:
                os.replace(plain, self.path / shard_file_name(level, 0))
            plain.unlink(missing_ok=True)
            self.forget_index(level)

    def _shard_path(self, level: str, shard: int) -> Path:
        return self.path / shard_file_name(level, shard)

    def _open_sharded(self, level: str, layout: ShardLayout, kind: str | None) -> ShardedIndex:
        """Load every shard of ``level``; rebuild from SQLite those missing, stale or damaged."""
        shards = []
        for i in range(layout.count):
            expected = self.count(level, rowids=layout.range_of(i))
            idx = self.load_index_file(self._shard_path(level, i), expected)
            if idx is None:
                idx = self._rebuild_shard(level, layout, i, kind)
            shards.append(idx)
        return ShardedIndex(shards)

    def _rebuild_shard(self, level: str, layout: ShardLayout, shard: int, kind: str | None):  # noqa: ANN201
        """Build shard ``shard`` of ``level`` from the stored vectors and save it atomically."""
        ids, vecs = self.level_vectors(level, rowids=layout.range_of(shard))
        kind = kind or self.meta.index_kind
        log.info("building %s shard %d of %d %s vectors", kind, shard, len(ids), level)
        if len(ids):
            idx = VectorIndex.build(vecs, ids, kind=kind)
        else:
            idx = VectorIndex.build(np.zeros((0, self.meta.dimension), np.float32), ids, "flat")
        idx.save(self._shard_path(level, shard))
        return idx

    def _rebuild_sharded(self, level: str, layout: ShardLayout, kind: str | None) -> ShardedIndex:
        """Rebuild every shard of ``level`` from SQLite."""
        return ShardedIndex(
            [self._rebuild_shard(level, layout, i, kind) for i in range(layout.count)]
        )

    def _extend_sharded(
        self, level: str, layout: ShardLayout, index: Any, ids: np.ndarray, vecs: np.ndarray
    ) -> ShardedIndex:
        """Append new vectors (of the newest articles) to the last shard and save that shard."""
        if not isinstance(index, ShardedIndex) or len(index.shards) != layout.count:
            return self._open_sharded(level, layout, None)
        last = layout.count - 1
        index.add(vecs, ids)
        shard = index.shards[last]
        if self.meta.index_kind == "auto" and shard.outgrown():  # type: ignore[attr-defined]
            index.shards[last] = self._rebuild_shard(level, layout, last, None)
        else:
            shard.save(self._shard_path(level, last))  # type: ignore[attr-defined]
        return index
