"""The driver's side of a Ray index: batches committed in order by the single SQLite writer,
new rows cut into shards whose FAISS files are built by Ray tasks."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from ..records import Segmented
from ..store import LEVELS, ShardLayout
from ._input import Batch
from ._workers import build_shard


class ShardWriter:
    """Commits batches in order (the single SQLite writer) and cuts the new rows into shards."""

    def __init__(self, ray: Any, corpus: Any, n_shards: int) -> None:
        self._ray = ray
        self._store = corpus.store
        self._n = n_shards
        self._plan = -1  # planned new shard (0..n-1) of the rows being accumulated
        self._rows: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        self._builds: list[tuple[int, str, Any]] = []  # (shard number, level, build ref)
        self.totals: Counter = Counter()
        self.skipped_ids: list[str] = []
        self._layout: Any = None
        self._committed = False
        self.new_shards: list[int] = []

    def _existing_layout(self) -> Any:
        """The layout new shards are appended to; converts a plain store on first use."""
        store = self._store
        layout = store.shard_layout()
        top = store.max_article_rowid()
        if layout is None:  # a plain store's index files become shard 0 (if it holds anything)
            store.index_files_to_shard_zero(keep=bool(top))
            return ShardLayout((1,)) if top else None
        last = layout.range_of(layout.count - 1)
        if layout.bounds[-1] > top and store.count("article", rowids=last) == 0:
            # An empty last shard (a crash right after it was opened): reuse its number.
            return ShardLayout(layout.bounds[:-1]) if layout.count > 1 else None
        return layout

    def commit(self, batch: Batch, result: tuple[list[Segmented], list[str], np.ndarray]) -> None:
        from ..embed import article_vector, text_key

        store = self._store
        self.totals["skipped"] += len(batch.skipped)
        self.skipped_ids += batch.skipped
        plan = min(self._n - 1, int(batch.position * self._n))
        if plan != self._plan:
            self._open_shard(plan)
        segs, keys, mat = result
        vectors = dict(zip(keys, mat, strict=True))
        cached = store.vectors_for_keys(keys)  # what Corpus.add would take from the cache
        vectors.update(cached)
        items = []
        for seg in segs:
            doc_key = "doc:" + text_key(seg.article.text)
            vectors[doc_key] = article_vector(seg, vectors)
            items.append((seg, doc_key))
        before = store.max_article_rowid()
        self.totals["added"] += store.add(items, vectors)
        self.totals["passages"] += sum(len(s.passages) for s in segs)
        self.totals["embedded"] += len(keys) - len(cached)
        self.totals["cached"] += len(cached)
        if not self._committed:
            # Corpus.add rebuilds its index from SQLite at the first batch of a run (nothing
            # is cached in memory yet), so those rows hold the stored float16 vectors; later
            # batches append the vectors as computed. Same vectors here, same neighbours.
            vectors = store.vectors_for_keys(vectors)
        self._committed = True
        for level in ("paragraph", "sentence"):
            sel = [(pid, key) for pid, lvl, key in store.new_passages(before) if lvl == level]
            self._keep(level, sel, vectors)
        self._keep("article", store.new_articles(before), vectors)

    def _keep(self, level: str, rows: list[tuple[int, str]], vectors: dict) -> None:
        if rows:
            ids = np.asarray([r for r, _ in rows], dtype=np.int64)
            vecs = np.stack([vectors[k] for _, k in rows]).astype(np.float32)
            self._rows.setdefault(level, []).append((ids, vecs))

    def _open_shard(self, plan: int) -> None:
        self._close_shard()
        if not self.new_shards:
            self._layout = self._existing_layout()
        first = self._store.max_article_rowid() + 1
        self._layout = (
            ShardLayout((first,)) if self._layout is None else self._layout.with_shard(first)
        )
        # Recorded before the shard's first commit: a crash leaves an empty, consistent shard.
        self._store.set_meta("shards", self._layout.to_json())
        self._plan = plan
        self.new_shards.append(self._layout.count - 1)

    def _close_shard(self) -> None:
        """Send the finished shard's vectors to build tasks (they run when CPUs free up)."""
        if not self.new_shards:
            return
        build = self._ray.remote(num_cpus=1, max_retries=3)(build_shard)
        kind, dim = self._store.meta.index_kind, self._store.meta.dimension
        for level in LEVELS:
            parts = self._rows.pop(level, [])
            ids = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
            vecs = (
                np.concatenate([p[1] for p in parts]) if parts else np.zeros((0, dim), np.float32)
            )
            ref = build.remote(vecs, ids, kind, dim)
            self._builds.append((self.new_shards[-1], level, ref))

    def finish(self) -> dict[str, list[int]]:
        """Close the last shard, write every built shard file; returns their sizes by level."""
        self._close_shard()
        sizes: dict[str, list[int]] = {}
        for shard, level, ref in self._builds:
            data = self._ray.get(ref)
            self._store.write_shard_file(level, shard, data)
            sizes.setdefault(level, []).append(len(data))
        self._builds.clear()
        for level in LEVELS:
            self._store.forget_index(level)
        return sizes
