"""Template mining of a store on the Ray cluster, one level at a time.

1. **Partitions.** ``P = max(workers, ceil(passages / mine_partition))`` groups of about
   equal size of ``8 P`` k-means cells, trained on the driver over a sample of the level's
   distinct vectors read from 64 rowid windows spread over the store.
2. **Chunks.** The driver streams the level from SQLite in chunks of article rowids (ids,
   vectors, texts, story codes, article metadata); a worker per chunk counts its gram
   document frequencies and cuts it into one piece per partition (nearest centroid). Pieces
   stay in the object store; the driver sums the gram counts (bounded hashed tables).
3. **Graph.** Each partition's host collapses its identical texts and receives its *guests*
   (texts of other partitions whose centroid is within the guest margin: every text below
   ``mine_exact_below`` texts, else the margin calibrated on a sample against exact search);
   it finds the nearest texts of its own and its guests and marks the edges; a text's
   candidates from every partition are merged into its ``k`` nearest at its home.
4. **Components.** Each partition's components; the edges leaving a partition go to the
   driver, which joins the components they link (union-find over (partition, component)).
5. **Templates.** A component inside one partition is clustered there; one across
   partitions is gathered on one host (up to ``mine_gather`` texts) and clustered there,
   both by the single-machine code in its order; a bigger (giant) one is clustered in
   partition shares whose clusters are merged by representatives (``merge_candidates``).
   The driver sorts the finished templates' keys, numbers them, and streams their members
   into the store one result at a time.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..mining import FinalCluster, PassageBatch, add_counts, merge_candidates, partitioning

SAMPLE_WINDOWS = 64
SAMPLE_PER_PARTITION = 1024  # vectors for the partitions' k-means (8 cells per partition)
SAMPLE_LIMIT = 200_000
K = 10  # neighbours per text in a partition's kNN graph (mine_passages' k)
CALIBRATION_TEXTS = 2000  # sample of texts whose exact neighbours calibrate the guest margin
MARGIN_RECALL = 0.999  # share of their exact neighbours the margin must let them find


def _refs(out: Any, n: int) -> list[Any]:
    return [out] if n == 1 else list(out)


@dataclass
class LevelOutcome:
    """What the driver keeps of a mined level: gram counts, the finished templates' keys and
    records (with where their members are), and the member objects' references."""

    grams: tuple[int, np.ndarray, np.ndarray]
    finals: list[tuple[FinalCluster, int, int]] = field(default_factory=list)
    member_refs: list[Any] = field(default_factory=list)


def read_batch(store: Any, level: str, rowids: tuple[int, int], heads: dict[str, int]) -> Any:
    """The passages of ``level`` of articles with rowid in ``rowids`` = [first, end), as a
    :class:`~protocol_match.mining.PassageBatch`; a story code is the rowid of the first
    article of the article's duplicate group (``heads``), else its own."""
    ids, vecs = store.level_vectors(level, rowids=rowids)
    rows = store.passages(ids)
    found = [rows[int(i)] for i in ids]
    rowid_of = store.article_rowids({r.article_id for r in found})
    arts = np.asarray([rowid_of[r.article_id] for r in found], dtype=np.int64)
    stories = np.asarray(
        [heads.get(r.article_id, a) for r, a in zip(found, arts.tolist(), strict=True)],
        dtype=np.int64,
    )
    meta = {rowid_of[r.article_id]: (r.article_id, r.date, r.source) for r in found}
    return PassageBatch(ids, vecs, [r.text for r in found], stories, arts, meta)


def _windows(store: Any, level: str, passages: int) -> Iterator[tuple[int, int]]:
    """Rowid ranges holding about ``passages`` passages of ``level`` each."""
    per_article = store.count(level) / max(1, store.count("article"))
    step = max(1, int(passages / max(per_article, 1e-9)))
    for lo in range(1, store.max_article_rowid() + 1, step):
        yield lo, lo + step


def sample_vectors(store: Any, level: str, size: int, seed: int = 0) -> np.ndarray:
    """About ``size`` vectors of ``level`` from windows spread over the store (all of them
    when the level is not much bigger)."""
    n = store.count(level)
    if n <= 2 * size:
        return store.level_vectors(level)[1]
    top = store.max_article_rowid()
    per_article = n / max(1, store.count("article"))
    width = max(1, math.ceil(size / SAMPLE_WINDOWS / max(per_article, 1e-9)))
    starts = np.unique(np.linspace(1, max(1, top - width + 1), SAMPLE_WINDOWS).astype(np.int64))
    parts = [store.level_vectors(level, rowids=(int(s), int(s) + width))[1] for s in starts]
    vecs = np.concatenate(parts)
    if len(vecs) > size:
        vecs = vecs[np.sort(np.random.default_rng(seed).choice(len(vecs), size, replace=False))]
    return vecs


def mine_level(
    ray: Any, store: Any, level: str, heads: dict[str, int], params: dict, settings: Any,
    actors: list[Any], stats: dict,
) -> LevelOutcome:  # fmt: skip
    """Gram counts and finished templates of one level (see the module docstring)."""
    n = store.count(level)
    # At least one partition per worker (a small level costs little to spread).
    parts = max(len(actors), math.ceil(n / settings.mine_partition))
    cents = None
    if parts > 1:
        size = min(n, SAMPLE_LIMIT, SAMPLE_PER_PARTITION * parts)
        cents = partitioning(sample_vectors(store, level, size), parts)
        parts = cents.count
    workers = len(actors)
    cents_ref = ray.put(cents)
    pieces: list[list[Any]] = [[] for _ in range(parts)]
    grams: tuple[int, np.ndarray, np.ndarray] = (0, np.zeros(0, np.uint32), np.zeros(0, np.uint32))
    inflight: deque = deque()

    def absorb(ref: Any) -> None:
        nonlocal grams
        m, keys, counts = ray.get(ref)
        grams = (grams[0] + m, *add_counts(grams[1], grams[2], keys, counts))

    read_s = 0.0
    started = time.perf_counter()
    for rowids in _windows(store, level, settings.mine_chunk):
        mark = time.perf_counter()
        batch = read_batch(store, level, rowids, heads)
        read_s += time.perf_counter() - mark
        if not len(batch):
            continue
        who = actors[len(pieces[0]) % workers]
        refs = who.prepare.options(num_returns=parts + 1).remote(ray.put(batch), cents_ref)
        del batch
        inflight.append(refs[0])
        for p in range(parts):
            pieces[p].append(refs[p + 1])
        while len(inflight) > 2 * workers:
            absorb(inflight.popleft())
    while inflight:
        absorb(inflight.popleft())
    out = LevelOutcome(grams)
    stats[level] = {"passages": n, "partitions": parts, "read_s": round(read_s, 1),
                    "chunks_s": round(time.perf_counter() - started, 1)}  # fmt: skip
    if n < 2:
        return out
    hosts = actors[: min(workers, parts)]
    host_of = [p % len(hosts) for p in range(parts)]
    dim = store.meta.dimension
    ray.get([x.start_level.remote(level, params["threshold"], params["min_support"], dim)
             for x in hosts])  # fmt: skip
    mark = time.perf_counter()
    sizes = ray.get([hosts[host_of[p]].load.remote(p, *pieces[p]) for p in range(parts)])
    stats[level]["partition_texts"] = sizes
    del pieces
    _graph(ray, hosts, host_of, cents, sum(sizes), settings, stats[level])
    stats[level]["graph_s"] = round(time.perf_counter() - mark, 1)
    mark = time.perf_counter()
    _templates(ray, hosts, host_of, params, settings, out, stats[level])
    stats[level]["templates_s"] = round(time.perf_counter() - mark, 1)
    return out


def _graph(
    ray: Any, hosts: list[Any], host_of: list[int], cents: Any, texts: int, settings: Any,
    stats: dict,
) -> None:  # fmt: skip
    """Guests, nearest texts and edges, components (steps 3 and 4)."""
    h = len(hosts)
    k = max(1, min(K, texts - 1))
    exact = texts < settings.mine_exact_below
    stats.update(texts=texts, exact_graph=exact)
    if cents is not None and cents.count > 1:
        margin = settings.mine_margin
        if exact:
            margin = math.inf
        elif margin is None:
            margin = _calibrate(ray, hosts, cents, k, stats)
        sent = [_refs(x.send_guests.options(num_returns=h).remote(cents, margin, host_of), h)
                for x in hosts]  # fmt: skip
        guests = ray.get(
            [x.add_guests.remote(*[sent[a][b] for a in range(h)]) for b, x in enumerate(hosts)]
        )
        stats.update(guests=int(sum(guests)), guest_margin=margin)
    found = [_refs(x.search.options(num_returns=h).remote(k, host_of), h) for x in hosts]
    del cents
    stats["_reports"] = ray.get(
        [x.link.remote(k, *[found[a][b] for a in range(h)]) for b, x in enumerate(hosts)]
    )


def _calibrate(ray: Any, hosts: list[Any], cents: Any, k: int, stats: dict) -> float:
    """The smallest guest margin at which a sample of texts would find ``MARGIN_RECALL`` of
    their exact ``k`` nearest texts: a neighbour in another partition is found when either
    text is a guest of the other's partition."""
    per = max(1, CALIBRATION_TEXTS // cents.count)
    got = ray.get([x.sample.remote(per) for x in hosts])
    vecs = np.concatenate([g[0] for g in got])
    gids = np.concatenate([g[1] for g in got])
    homes = np.concatenate([g[2] for g in got])
    found = [f for fs in ray.get([x.exact_near.remote(vecs, gids, k, cents) for x in hosts])
             for f in fs]  # fmt: skip
    sims = np.concatenate([f[0] for f in found], axis=1)
    far = np.concatenate([f[1] for f in found], axis=1)
    far_c = np.concatenate([f[2] for f in found], axis=1)
    top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    keep = np.isfinite(np.take_along_axis(sims, top, axis=1))
    q = np.take_along_axis(far, top, axis=1)
    y = np.take_along_axis(far_c, top[:, :, None], axis=1)  # neighbour -> partition scores
    x = cents.scores(vecs)
    rows = np.arange(len(vecs))[:, None]
    home = homes[:, None]
    gap_x = x[rows, home] - x[rows, q]  # x searched in q's partition
    gap_y = (
        np.take_along_axis(y, q[:, :, None], 2)[..., 0]
        - np.take_along_axis(y, np.broadcast_to(home, q.shape)[:, :, None], 2)[..., 0]
    )  # the neighbour searched in x's partition
    need = np.where(q == home, 0.0, np.minimum(gap_x, gap_y))[keep]
    margin = float(np.quantile(need, MARGIN_RECALL)) if len(need) else 0.0
    stats.update(calibration_texts=len(vecs), calibrated_margin=round(margin, 4))
    return margin + 1e-6


def _union(
    ray: Any, hosts: list[Any], host_of: list[int], reports: list[dict]
) -> tuple[dict[tuple[int, int], tuple[int, int]], dict[tuple[int, int], int]]:
    """Components of the level across partitions: (partition, component) -> its root, and
    the size (texts) of each partition's component on a cross edge."""
    queries: list[dict[int, list[np.ndarray]]] = [{} for _ in hosts]
    for rep in reports:
        for _, far, gids, _ in rep.values():
            for q in np.unique(far).tolist():
                queries[host_of[q]].setdefault(q, []).append(gids[far == q])
    asked = [{q: np.unique(np.concatenate(v)) for q, v in qs.items()} for qs in queries]
    answers = ray.get([x.comp_of.remote(asked[b]) for b, x in enumerate(hosts)])
    far_comp: dict[int, dict[int, int]] = {}
    size: dict[tuple[int, int], int] = {}
    for qs, ans in zip(asked, answers, strict=True):
        for q, gids in qs.items():
            labels, sizes = ans[q]
            far_comp[q] = dict(zip(gids.tolist(), labels.tolist(), strict=True))
            size.update(zip(((q, c) for c in labels.tolist()), sizes.tolist(), strict=True))
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(x: tuple[int, int]) -> tuple[int, int]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for rep in reports:
        for p, (comp, far, gids, sizes) in rep.items():
            for c, q, g, s in zip(comp.tolist(), far.tolist(), gids.tolist(), sizes.tolist(),
                                  strict=True):  # fmt: skip
                size[(p, c)] = s
                a, b = find((p, c)), find((q, far_comp[q][g]))
                if a != b:
                    parent[max(a, b)] = min(a, b)
    return {x: find(x) for x in parent}, size


def _templates(
    ray: Any, hosts: list[Any], host_of: list[int], params: dict, settings: Any,
    out: LevelOutcome, stats: dict,
) -> None:  # fmt: skip
    """Cluster every component where it lies, gathered, or (giants) in partition shares
    merged by representatives (steps 5 and 6)."""
    h = len(hosts)
    mark = time.perf_counter()
    root, size = _union(ray, hosts, host_of, stats.pop("_reports"))
    stats["union_s"] = round(time.perf_counter() - mark, 2)
    totals: dict[tuple[int, int], int] = {}
    for x, r in root.items():
        totals[r] = totals.get(r, 0) + size[x]
    ids = {r: g for g, r in enumerate(sorted(totals))}
    plan: list[dict[int, dict]] = [{} for _ in hosts]
    for (p, c), r in root.items():
        g = ids[r]
        kind = "giant" if totals[r] > settings.mine_gather else "gather"
        entry = plan[host_of[p]].setdefault(p, {"gather": {}, "giant": {}})
        entry[kind][c] = g if kind == "giant" else (g, g % h)
    big = [t for t in totals.values() if t > settings.mine_gather]
    giants = sorted(ids[r] for r, t in totals.items() if t > settings.mine_gather)
    stats.update(cross_components=len(totals), giant_components=len(big), giant_texts=sum(big))
    done = [x.process.options(num_returns=3 + h).remote(plan[b], h) for b, x in enumerate(hosts)]
    results = [(d[0], d[1]) for d in done]
    if totals:
        for b, x in enumerate(hosts):
            g = x.gathered.options(num_returns=2).remote(*[done[a][3 + b] for a in range(h)])
            results.append((g[0], g[1]))
    if giants:
        tables = ray.get([d[2] for d in done])
        mark = time.perf_counter()
        results += _giants(ray, hosts, host_of, tables, params, stats)
        stats["merge_s"] = round(time.perf_counter() - mark, 2)
    del done
    for src, finals in enumerate(ray.get([f for f, _ in results])):
        out.finals += [(final, src, i) for i, final in enumerate(finals)]
    out.member_refs = [m for _, m in results]
    stats["templates"] = len(out.finals)


def _giants(
    ray: Any, hosts: list[Any], host_of: list[int], tables: list[dict], params: dict, stats: dict
) -> list[tuple[Any, Any]]:
    """Merge each giant component's candidates across partitions by representatives, then
    finish them: where they are, or gathered by merged group."""
    h = len(hosts)
    by_giant: dict[int, list[tuple[tuple[int, int], Any]]] = {}
    for per_host in tables:
        for key, table in per_host.items():
            by_giant.setdefault(key[1], []).append((key, table))
    plan: list[dict] = [{} for _ in hosts]
    groups_seen = candidates = 0
    for g in sorted(by_giant):
        entries = sorted(by_giant[g], key=lambda e: e[0])
        where = [(key, j) for key, t in entries for j in range(len(t.reps))]
        candidates += len(where)
        groups = []
        if len(where) > 1:
            groups = merge_candidates(
                np.concatenate([t.centroids for _, t in entries]),
                [x for _, t in entries for x in t.reps],
                np.asarray([key[0] for key, _ in where]), params["threshold"],
            )  # fmt: skip
        in_group = {i: groups_seen + n for n, members in enumerate(groups) for i in members}
        groups_seen += len(groups)
        stories = np.concatenate([t.stories for _, t in entries]) if entries else []
        for key, _ in entries:
            plan[host_of[key[0]]][key] = ([], [])
        for i, (key, j) in enumerate(where):
            keep, moves = plan[host_of[key[0]]][key]
            if i in in_group:
                moves.append((j, in_group[i], in_group[i] % h))
            elif stories[i] >= params["min_support"]:
                keep.append(j)
    stats.update(giant_candidates=candidates, giant_merged_groups=groups_seen)
    done = [x.finish_giants.options(num_returns=2 + h).remote(plan[b], h)
            for b, x in enumerate(hosts)]  # fmt: skip
    results = [(d[0], d[1]) for d in done]
    if groups_seen:
        for b, x in enumerate(hosts):
            m = x.merged.options(num_returns=2).remote(*[done[a][2 + b] for a in range(h)])
            results.append((m[0], m[1]))
    return results
