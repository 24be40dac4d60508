"""Code that runs inside Ray workers for mining: chunks of a level cut into partitions, and
the actors that find near-duplicate articles (the partitions' host is ``_host``).

Plain functions and classes (Ray is only reached through ``load_ray`` where an actor fetches
objects itself): ``_mine_engine`` and ``_dup_engine`` wrap them with ``ray.remote``.
Functions that hand several objects back (``num_returns``) return a tuple, or the one object
itself when only one is asked for, as Ray expects.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..mining import (
    KINDS,
    Partitioning,
    PassageBatch,
    doc_keys,
    doc_profile,
    lowercase_words,
    split_batch,
)
from ..scoring import GramStats, forget_text_caches
from ._host import PartitionHost
from ._session import load_ray


def _returns(values: Sequence[Any]) -> Any:
    return values[0] if len(values) == 1 else tuple(values)


def slot(key: str, n: int) -> int:
    """The table (of ``n``) that counts ``key``: a stable hash, the same in every process."""
    return zlib.crc32(key.encode()) % n if n > 1 else 0


# The scoring layer memoizes per text (word tokens, content profiles, gram hashes: 50k to
# 100k texts each) for compare, which scores the same stored candidates again and again. A
# mining worker sees each text once per stage, so there the caches only keep dead tuples:
# measured on a generated store of 100k passages, the tokens of every article (~50 KB each,
# from duplicate finding) and of every sentence stayed in the worker, 5-10 KB per distinct
# text in all, more than its vectors and texts; at 1M passages up to ~2 GB per worker. The
# stages that fill them call ``forget_text_caches`` when done.
# Duplicate finding tokenizes every article of a shard in one call: cleared every this many
# articles, the articles' tokens never pile up (3,800 of them were 200 MB).
KEYS_BETWEEN_CLEARS = 500


# ------------------------------------------------------------------ templates


def prepare_chunk(batch: PassageBatch, parts: Partitioning | None) -> Any:
    """(gram counts, one piece per partition) of a chunk of a level's passages."""
    gs = GramStats.count(batch.texts)
    pieces = [batch] if parts is None else split_batch(batch, parts)
    return _returns([(gs.passages, gs.keys, gs.counts), *pieces])


# ------------------------------------------------------------------ duplicates


class KeyTable:
    """Actor holding one hash slice of the corpus-wide counts: the words written in
    lowercase, and how many articles carry each name, shingle and word."""

    def __init__(self) -> None:
        self._lower: set[str] = set()
        self._parts: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {k: [] for k in KINDS}
        self._counts: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def add_lowercase(self, *parts: set[str]) -> int:
        for p in parts:
            self._lower |= p
        return len(self._lower)

    def member(self, *queries: set[str]) -> Any:
        """Per query, the words of it that the corpus writes in lowercase."""
        return _returns([q & self._lower for q in queries])

    def add_counts(self, *parts: dict[str, tuple[np.ndarray, np.ndarray]]) -> int:
        for part in parts:
            for kind, table in part.items():
                self._parts[kind].append(table)
        for kind, tables in self._parts.items():
            keys = np.concatenate([t[0] for t in tables]) if tables else np.zeros(0, np.uint64)
            cnt = np.concatenate([t[1] for t in tables]) if tables else np.zeros(0, np.int64)
            uniq, inv = np.unique(keys, return_inverse=True)
            self._counts[kind] = (uniq, np.bincount(inv, weights=cnt, minlength=len(uniq)))
        self._parts = {k: [] for k in KINDS}
        return sum(len(v[0]) for v in self._counts.values())

    def lookup(self, *queries: dict[str, np.ndarray]) -> Any:
        """Per query, the counts of its keys (aligned, per kind)."""
        out = []
        for q in queries:
            answer = {}
            for kind, keys in q.items():
                uniq, cnt = self._counts[kind]
                pos = np.minimum(np.searchsorted(uniq, keys), max(0, len(uniq) - 1))
                answer[kind] = cnt[pos].astype(np.int64) if len(uniq) else np.zeros(len(keys))
            out.append(answer)
        return _returns(out)


class DocShard:
    """Actor holding some of the corpus's articles (text, date, document vector) through the
    rounds of duplicate finding: keys, counts, profiles, neighbours, pair scores."""

    def __init__(self, tables: int, dimension: int) -> None:
        self._tables = tables
        self._dim = dimension
        self._pos: list[np.ndarray] = []
        self._ids: list[str] = []
        self._texts: list[str] = []
        self._dates: list[str | None] = []
        self._vecs: list[np.ndarray] = []
        self._keys: list[Any] = []
        self._queries: list[dict[str, np.ndarray]] = []
        self.profiles: dict[int, Any] = {}

    def add(self, positions: np.ndarray, ids: list[str], texts: list[str], dates: list,
            vectors: np.ndarray) -> int:  # fmt: skip
        self._pos.append(positions)
        self._ids += ids
        self._texts += texts
        self._dates += dates
        self._vecs.append(vectors)
        return len(self._ids)

    def positions(self) -> np.ndarray:
        return np.concatenate(self._pos) if self._pos else np.zeros(0, np.int64)

    def vectors(self) -> tuple[np.ndarray, np.ndarray]:
        if not self._vecs:
            return self.positions(), np.zeros((0, self._dim), np.float32)
        return self.positions(), np.concatenate(self._vecs)

    def lowercase(self) -> Any:
        return self._sliced(lowercase_words(self._texts))

    def capitalized(self) -> Any:
        from ..mining import capitalized_words

        return self._sliced(set().union(*map(capitalized_words, self._texts)))

    def _sliced(self, words: set[str]) -> Any:
        parts: list[set[str]] = [set() for _ in range(self._tables)]
        for w in words:
            parts[slot(w, self._tables)].add(w)
        return _returns(parts)

    def count_keys(self, *lowercase: set[str]) -> Any:
        """Each article's keys (its capitalized words found in lowercase: ``lowercase``);
        returns per table the distinct keys of this shard in its slice, with their counts."""
        lower = set().union(*lowercase)
        self._keys = []
        for lo in range(0, len(self._texts), KEYS_BETWEEN_CLEARS):
            # Every article is tokenized once here: cached, their tokens (~50 KB each) would
            # all stay until the call ends (KEYS_BETWEEN_CLEARS).
            self._keys += [doc_keys(t, lower) for t in self._texts[lo : lo + KEYS_BETWEEN_CLEARS]]
            forget_text_caches()
        out: list[dict[str, tuple[np.ndarray, np.ndarray]]] = [{} for _ in range(self._tables)]
        self._queries = [{} for _ in range(self._tables)]
        for kind in KINDS:
            allk = [k.all()[kind] for k in self._keys]
            flat = np.concatenate(allk) if allk else np.zeros(0, np.uint64)
            uniq, cnt = np.unique(flat, return_counts=True)
            table = (uniq % np.uint64(self._tables)).astype(np.int64)
            for t in range(self._tables):
                sel = table == t
                out[t][kind] = (uniq[sel], cnt[sel])
                self._queries[t][kind] = uniq[sel]
        return _returns(out)

    def queries(self) -> Any:
        return _returns(self._queries)

    def make_profiles(self, n: int, *answers: dict[str, np.ndarray]) -> int:
        """Profiles of this shard's articles from the corpus counts of their keys."""
        totals = {}
        for kind in KINDS:
            keys = np.concatenate([q[kind] for q in self._queries])
            counts = np.concatenate([a[kind] for a in answers])
            order = np.argsort(keys)
            totals[kind] = (keys[order], counts[order])
        positions = self.positions().tolist()
        for pos, aid, date, keys in zip(positions, self._ids, self._dates, self._keys, strict=True):
            mine = keys.all()
            counts = {k: totals[k][1][np.searchsorted(totals[k][0], mine[k])] for k in KINDS}
            self.profiles[pos] = doc_profile(aid, date, keys, counts, n)
        self._keys = []
        return len(self.profiles)

    def knn(self, k: int, refs: list[Any]) -> int:
        """Exact ``k`` nearest other articles of each article of this shard, by document
        vector, over every shard's vectors (fetched one at a time)."""
        from ..store import faiss_module

        ray = load_ray()
        faiss = faiss_module()
        pos, vecs = self.vectors()
        found_s, found_i = [np.full((len(pos), 0), -np.inf)], [np.zeros((len(pos), 0), np.int64)]
        for ref in refs:
            bpos, bvecs = ray.get(ref)
            if not len(bpos) or not len(pos):
                continue
            s, j = faiss.knn(vecs, bvecs, min(k + 1, len(bpos)), metric=faiss.METRIC_INNER_PRODUCT)
            ids = np.where(j >= 0, bpos[np.maximum(j, 0)], -1)
            s = np.where((j < 0) | (ids == pos[:, None]), -np.inf, s)
            found_s.append(s)
            found_i.append(ids)
        s, i = np.concatenate(found_s, axis=1), np.concatenate(found_i, axis=1)
        order = np.lexsort((i, -s), axis=-1)[:, :k]  # by similarity, then position
        self._nb = np.take_along_axis(i, order, axis=1)
        self._nb_s = np.take_along_axis(s, order, axis=1)
        return int(np.isfinite(self._nb_s).sum())

    def needs(self, starts: np.ndarray, owners: np.ndarray, shards: int) -> Any:
        """Per shard, the articles it holds whose profiles this shard's pairs need."""
        mine = set(self.positions().tolist())
        want = {int(j) for j in self._nb[np.isfinite(self._nb_s)].tolist()} - mine
        per: list[list[int]] = [[] for _ in range(shards)]
        for j in sorted(want):
            per[int(owners[np.searchsorted(starts, j, side="right") - 1])].append(j)
        return _returns(per)

    def give(self, *requests: list[int]) -> Any:
        return _returns([{j: self.profiles[j] for j in req} for req in requests])

    def score(self, threshold: float, n: int, *answers: dict[int, Any]) -> list[tuple]:
        """(a, b, score, article id a, article id b, scored at a's row) of the pairs of this
        shard's rows whose same-story score reaches ``threshold`` (a < b)."""
        from ..mining import pair_score

        known = dict(self.profiles)
        for ans in answers:
            known.update(ans)
        out = []
        rows = zip(self.positions().tolist(), self._nb, self._nb_s, strict=True)
        for i, nbs, sims in rows:
            for j, sim in zip(nbs.tolist(), sims.tolist(), strict=True):
                if j < 0 or j == i or not np.isfinite(sim):
                    continue
                s = pair_score(known[i], known[j], float(sim), n)
                if s >= threshold:
                    a, b = min(i, j), max(i, j)
                    out.append((a, b, s, known[a].article_id, known[b].article_id, i == a))
        return out


def _forgetting_text_caches(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method``, then ``forget_text_caches`` (also when it fails)."""

    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        finally:
            forget_text_caches()

    return run


class MiningWorker(DocShard, KeyTable, PartitionHost):
    """One actor per worker for the whole mining: a shard of the articles and a slice of the
    counts while duplicates are found, then chunks cut into partitions and partitions
    hosted, level by level (starting a Ray actor costs seconds: one set serves it all)."""

    def __init__(self, workers: int, dimension: int) -> None:
        DocShard.__init__(self, workers, dimension)
        KeyTable.__init__(self)
        PartitionHost.__init__(self, "sentence", 0.5, 2, dimension)

    # The stages that tokenize texts drop the scoring caches when done (KEYS_BETWEEN_CLEARS).

    def prepare(self, batch: PassageBatch, parts: Partitioning | None) -> Any:
        return prepare_chunk(batch, parts)

    prepare = _forgetting_text_caches(prepare)
    search = _forgetting_text_caches(PartitionHost.search)
    process = _forgetting_text_caches(PartitionHost.process)
    gathered = _forgetting_text_caches(PartitionHost.gathered)
    merged = _forgetting_text_caches(PartitionHost.merged)

    def drop_articles(self) -> bool:
        """Free what duplicate finding kept (articles, keys, counts, profiles)."""
        DocShard.__init__(self, self._tables, self._dim)
        KeyTable.__init__(self)
        return True
