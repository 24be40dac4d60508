"""Adding articles to a corpus: batches committed one transaction each, vectors taken from
the store's cache where it has them and embedded otherwise, indexes extended as they go."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..embed import Embedder, article_vector, text_key
from ..ingest import article_from_text, looks_like_path, read_articles, segment
from ..mining import ProgressFn
from ..records import AddResult, Article, Segmented
from ..store import Store

PASSAGE_LEVELS = ("paragraph", "sentence")
# A bulk add rewrites the index files at most this often (and once at the end): each save
# writes the whole index, so saving every batch made a 1M-passage build quadratic.
INDEX_SAVE_EVERY_S = 30.0


class Adding:
    """``Corpus.add`` and its steps (a mixin of :class:`~protocol_match.Corpus`)."""

    store: Store
    embedder: Embedder
    _index_saved_at: float
    _template_cache: Any

    def add(
        self,
        items: Iterable[str | Path | Article],
        *,
        progress: ProgressFn | None = None,
        batch_size: int = 256,
        wait: bool = True,
        save_indexes: bool = True,
        **read_options: Any,
    ) -> AddResult:
        """Index articles: paths (files, folders, "-"), ``Article`` objects or article texts.

        Articles already in the store are skipped. Each batch of ``batch_size`` articles is
        committed in one transaction, so an interruption keeps every finished batch.
        ``save_indexes=False`` leaves the index files to a later ``store.save_indexes()``
        (``watch`` saves when its folder is quiet); a crash in between costs a rebuild of
        the stale files when the store is next opened, never a wrong answer.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        totals = Counter()
        skipped_ids: list[str] = []
        with self.store.write_lock(wait=wait):
            self._index_saved_at = time.monotonic()
            batch: list[Article] = []
            for article in self._articles(items, read_options):
                batch.append(article)
                if len(batch) >= batch_size:
                    self._add_batch(batch, totals, skipped_ids, progress)
                    batch = []
            if batch:
                self._add_batch(batch, totals, skipped_ids, progress)
            if save_indexes:
                self.store.save_indexes()
        self._template_cache = None
        return AddResult(
            added=totals["added"],
            skipped=totals["skipped"],
            passages=totals["passages"],
            embedded=totals["embedded"],
            cached=totals["cached"],
            skipped_ids=tuple(skipped_ids),
        )

    def _articles(self, items: Iterable[str | Path | Article], read_options: dict):  # noqa: ANN202
        if isinstance(items, (str, Path, Article)):
            items = [items]
        paths: list[str | Path] = []
        for item in items:
            if isinstance(item, Article):
                yield item
            elif isinstance(item, Path) or item == "-" or looks_like_path(item):
                paths.append(item)
            else:
                yield article_from_text(item)
        if paths:
            yield from read_articles(paths, **read_options)

    def _add_batch(
        self,
        batch: list[Article],
        totals: Counter,
        skipped_ids: list[str],
        progress: ProgressFn | None,
    ) -> None:
        known = self.store.existing_ids(a.id for a in batch)
        fresh: dict[str, Article] = {}
        for a in batch:
            if a.id in known or a.id in fresh:
                totals["skipped"] += 1
                skipped_ids.append(a.id)
            else:
                fresh[a.id] = a
        if not fresh:
            if progress:
                progress("index", len(batch), 0)
            return
        segs = [segment(a) for a in fresh.values()]
        vectors, n_embedded, n_cached = self._vectors_for(segs)
        items = []
        for seg in segs:
            doc_key = "doc:" + text_key(seg.article.text)
            vectors[doc_key] = article_vector(seg, vectors)
            items.append((seg, doc_key))
        before = self.store.max_article_rowid()
        totals["added"] += self.store.add(items, vectors)
        totals["passages"] += sum(len(s.passages) for s in segs)
        totals["embedded"] += n_embedded
        totals["cached"] += n_cached
        self._extend_indexes(before, vectors)
        if time.monotonic() - self._index_saved_at >= INDEX_SAVE_EVERY_S:
            self.store.save_indexes()
            self._index_saved_at = time.monotonic()
        if progress:
            progress("index", len(batch), 0)

    def _vectors_for(self, segs: Sequence[Segmented]) -> tuple[dict[str, np.ndarray], int, int]:
        """Vectors for every passage text, from the cache where possible."""
        texts = {text_key(p.text): p.text for s in segs for p in s.passages}
        vectors = self.store.vectors_for_keys(texts)
        missing = [k for k in texts if k not in vectors]
        if missing:
            embedded = self.embedder.encode([texts[k] for k in missing])
            vectors.update(zip(missing, embedded, strict=True))
        return vectors, len(missing), len(texts) - len(missing)

    def _extend_indexes(self, before_rowid: int, vectors: dict[str, np.ndarray]) -> None:
        rows = self.store.new_passages(before_rowid)
        for level in PASSAGE_LEVELS:
            sel = [(pid, key) for pid, lvl, key in rows if lvl == level]
            if sel:
                ids = np.asarray([pid for pid, _ in sel], dtype=np.int64)
                vecs = np.stack([vectors[key] for _, key in sel]).astype(np.float32)
                self.store.extend_index(level, ids, vecs, save=False)
        docs = self.store.new_articles(before_rowid)
        if docs:
            ids = np.asarray([r for r, _ in docs], dtype=np.int64)
            vecs = np.stack([vectors[k] for _, k in docs]).astype(np.float32)
            self.store.extend_index("article", ids, vecs, save=False)
