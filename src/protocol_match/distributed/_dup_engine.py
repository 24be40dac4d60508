"""Near-duplicate groups of a store found on the Ray cluster (the stories mining counts in).

The articles are streamed from SQLite in chunks of rowids to the workers (round robin: each
worker's ``DocShard`` side); the corpus-wide counts ``find_duplicates`` needs (the words
written in lowercase; how many articles carry each name, four-word shingle and stemmed word)
are kept by their ``KeyTable`` side, each worker owning a hash slice of the keys, so no
process holds them all.
In rounds driven from here: shards send their keys, tables count them, shards look their
counts up and build each article's profile; every shard finds its articles' exact ``k``
nearest articles by document vector over all shards' vectors, fetches the profiles of the
neighbours it lacks and scores the pairs. The driver holds object references, the pairs that
reach the threshold, and the chunk it is reading.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import numpy as np

from ..mining import DEFAULT_DUPLICATE_THRESHOLD, duplicate_groups
from ..records import DuplicateGroup
from ._mine_workers import MiningWorker

log = logging.getLogger(__name__)

CHUNK_ARTICLES = 2000  # articles read from SQLite and sent to a shard at a time


def _refs(out: Any, n: int) -> list[Any]:
    """A remote call's ``num_returns=n`` references as a list (Ray gives one ref for n=1)."""
    return [out] if n == 1 else list(out)


def find_duplicates_on_ray(
    ray: Any,
    store: Any,
    workers: list[Any],
    threshold: float = DEFAULT_DUPLICATE_THRESHOLD,
    *,
    k: int = 10,
    stats: dict | None = None,
) -> list[DuplicateGroup]:
    """The store's near-duplicate article groups, as ``store_duplicates`` finds them (exact
    document-vector neighbours instead of the single machine's recall-checked cells above
    20,000 articles). ``workers``: :class:`MiningWorker` actors, each a shard and a table."""
    if store.count("article") < 2:
        return []
    try:
        mark = time.perf_counter()
        starts, owners, n = _load(ray, store, workers)
        loaded = time.perf_counter() - mark
        if n < 2:
            return []
        groups = _rounds(ray, workers, workers, starts, owners, n, threshold, min(k, n - 1))
        if stats is not None:
            stats.update(articles=n, shards=len(workers), groups=len(groups),
                         load_s=round(loaded, 1),
                         rounds_s=round(time.perf_counter() - mark - loaded, 1))  # fmt: skip
        return groups
    finally:
        ray.get([w.drop_articles.remote() for w in workers])


def start_workers(ray: Any, count: int, dimension: int) -> list[Any]:
    """``count`` :class:`MiningWorker` actors spread over the cluster, sharing its CPUs."""
    cpus = float(ray.cluster_resources().get("CPU", 1))
    cls = ray.remote(num_cpus=min(1.0, cpus / count), max_restarts=0, scheduling_strategy="SPREAD")(
        MiningWorker
    )
    return [cls.remote(count, dimension) for _ in range(count)]


def _load(ray: Any, store: Any, shards: list[Any]) -> tuple[np.ndarray, np.ndarray, int]:
    """Stream the articles (rowid order, those with a document vector) to the shards; returns
    the first position of each chunk, the shard holding it, and the article count."""
    starts: list[int] = []
    owners: list[int] = []
    pending: list[Any] = []
    pos = 0
    top = store.max_article_rowid()
    # Small stores in 2 chunks per shard at least, so every shard holds some articles.
    step = max(1, min(CHUNK_ARTICLES, math.ceil(store.count("article") / (2 * len(shards)))))
    for lo in range(1, top + 1, step):
        rowids, vecs = store.level_vectors("article", rowids=(lo, lo + step))
        if not len(rowids):
            continue
        arts = store.articles_by_rowid(rowids.tolist())
        docs = [arts[int(i)] for i in rowids]
        who = len(starts) % len(shards)
        pending.append(shards[who].add.remote(
            np.arange(pos, pos + len(docs)), [a.id for a in docs], [a.text for a in docs],
            [a.date for a in docs], vecs,
        ))  # fmt: skip
        starts.append(pos)
        owners.append(who)
        pos += len(docs)
        if len(pending) > 2 * len(shards):
            ray.get(pending.pop(0))
    ray.get(pending)
    return np.asarray(starts, dtype=np.int64), np.asarray(owners, dtype=np.int64), pos


def _rounds(
    ray: Any, shards: list[Any], tables: list[Any], starts: np.ndarray, owners: np.ndarray,
    n: int, threshold: float, k: int,
) -> list[DuplicateGroup]:  # fmt: skip
    h, r = len(shards), len(tables)
    # 1. The corpus's lowercase vocabulary, then which capitalized words it holds.
    low = [_refs(s.lowercase.options(num_returns=r).remote(), r) for s in shards]
    ray.get([t.add_lowercase.remote(*[low[a][i] for a in range(h)]) for i, t in enumerate(tables)])
    cap = [_refs(s.capitalized.options(num_returns=r).remote(), r) for s in shards]
    mem = [
        _refs(t.member.options(num_returns=h).remote(*[cap[a][i] for a in range(h)]), h)
        for i, t in enumerate(tables)
    ]
    # 2. Each article's keys, counted across the corpus, looked up into its profile.
    cnt = [
        _refs(s.count_keys.options(num_returns=r).remote(*[mem[i][a] for i in range(r)]), r)
        for a, s in enumerate(shards)
    ]
    ray.get([t.add_counts.remote(*[cnt[a][i] for a in range(h)]) for i, t in enumerate(tables)])
    qs = [_refs(s.queries.options(num_returns=r).remote(), r) for s in shards]
    ans = [
        _refs(t.lookup.options(num_returns=h).remote(*[qs[a][i] for a in range(h)]), h)
        for i, t in enumerate(tables)
    ]
    ray.get(
        [s.make_profiles.remote(n, *[ans[i][a] for i in range(r)]) for a, s in enumerate(shards)]
    )
    # 3. Exact neighbours by document vector, over every shard's vectors.
    vec_refs = [s.vectors.remote() for s in shards]
    ray.get([s.knn.remote(k, vec_refs) for s in shards])
    # 4. Pair scores: each shard fetches the profiles of the neighbours it does not hold.
    needs = [_refs(s.needs.options(num_returns=h).remote(starts, owners, h), h) for s in shards]
    gives = [
        _refs(s.give.options(num_returns=h).remote(*[needs[a][b] for a in range(h)]), h)
        for b, s in enumerate(shards)
    ]
    scored = ray.get([
        s.score.remote(threshold, n, *[gives[b][a] for b in range(h)]) for a, s in enumerate(shards)
    ])  # fmt: skip
    pairs: dict[tuple[int, int], float] = {}
    ids: dict[int, str] = {}
    for rows in scored:
        for a, b, score, id_a, id_b, at_first in rows:
            # As find_duplicates: a pair is scored at the first row that lists it.
            if (a, b) not in pairs or at_first:
                pairs[(a, b)] = score
            ids[a], ids[b] = id_a, id_b
    log.info("duplicates on ray: %d articles, %d pairs", n, len(pairs))
    return duplicate_groups(pairs, ids)
