"""kNN graphs and k-means cells over a whole set of vectors, for template mining.

A search index answers one query at a time; mining needs every vector's neighbours at once
(``n`` queries against the same ``n`` vectors). That is done here with blocked matrix
products (FAISS's BLAS product + heap selection): exactly below a few ten thousand rows, and
above through k-means cells, each row compared with the rows of its nearest cells, the
number of cells probed calibrated on a sample against exact search. FAISS comes through
:mod:`protocol_match.store`, which owns the import.
"""

from __future__ import annotations

import logging

import numpy as np

from ..store import CALIBRATION_QUERIES, CALIBRATION_TARGET, check_k, check_vectors, faiss_module

log = logging.getLogger(__name__)


def kmeans_labels(vectors: np.ndarray, k: int, *, seed: int = 0, niter: int = 12) -> np.ndarray:
    """Spherical k-means (FAISS) of unit ``vectors`` into at most ``k`` cells: each vector's
    cell. Trained on at most 256 points per cell, then every vector is assigned; used to cut
    components of the template graph too big for a dense pairwise matrix."""
    vectors = check_vectors(vectors, "vectors")
    n, d = vectors.shape
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    k = min(k, n)
    if k == 1:
        return np.zeros(n, dtype=np.int64)
    faiss = faiss_module()
    km = faiss.Kmeans(d, k, niter=niter, seed=seed, spherical=True, verbose=False)
    km.cp.max_points_per_centroid = 256
    km.cp.min_points_per_centroid = 1  # few points per cell is expected here, not an error
    km.train(vectors)
    _, labels = km.index.search(vectors, 1)
    return labels.ravel().astype(np.int64)


def knn_graph_blocked(
    vectors: np.ndarray,
    k: int,
    *,
    target: float = CALIBRATION_TARGET,
    exact_below: int = 20_000,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest other rows of every row of ``vectors`` (inner product), as
    ``(sims (n, k), positions (n, k))`` padded with ``-inf`` / ``-1``.

    A kNN graph is ``n`` queries against the same ``n`` vectors, so it is computed with
    matrix products (BLAS) instead of one index search per query: exactly in row blocks
    below ``exact_below`` rows; above, the rows are cut into k-means cells and each row is
    compared with the rows of its ``nprobe`` nearest cells, one product per cell. ``nprobe``
    starts at 4 and doubles until recall@k on a sample of rows (against exact search)
    reaches ``target``.
    """
    k = check_k(k)
    vectors = np.ascontiguousarray(check_vectors(vectors, "vectors"), dtype=np.float32)
    n = vectors.shape[0]
    k_eff = min(k, max(0, n - 1))
    if n < exact_below or n < 4 * k:
        sims, pos = _exact_graph(vectors, k_eff)
        return _pad_to(sims, pos, k)
    # Cells of ~2 sqrt(n) rows: big enough for efficient products, few enough to probe.
    nlist = int(min(4096, max(16, round(np.sqrt(n) / 2))))
    labels = kmeans_labels(vectors, nlist, seed=seed)
    nlist = int(labels.max()) + 1
    cents = np.zeros((nlist, vectors.shape[1]), dtype=np.float32)
    np.add.at(cents, labels, vectors)
    cents /= np.maximum(np.linalg.norm(cents, axis=1, keepdims=True), 1e-12)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=min(n, CALIBRATION_QUERIES), replace=False))
    truth_s, _ = _exact_rows(vectors, sample, k_eff)
    # Calibrate on the sample rows alone (cheap), then build the whole graph once.
    nprobe = 4
    while True:
        found, _ = _cell_graph(vectors, labels, cents, k_eff, min(nprobe, nlist), sample)
        recall = _graph_recall(truth_s, found)
        if recall >= target or nprobe >= nlist:
            break
        nprobe *= 2
    sims, pos = _cell_graph(vectors, labels, cents, k_eff, min(nprobe, nlist))
    log.info(
        "kNN graph of %d rows: %d cells, nprobe %d, recall@%d %.3f", n, nlist, nprobe, k_eff, recall
    )
    return _pad_to(sims, pos, k)


def _graph_recall(truth_sims: np.ndarray, found_sims: np.ndarray) -> float:
    """Tie-aware recall@k, as :func:`protocol_match.store._exact.tie_aware_recall` counts it; here
    the found similarities are exact already, so no vectors are looked up."""
    if truth_sims.shape[1] == 0:
        return 1.0
    kth = truth_sims[:, -1:]
    hits = np.minimum((found_sims >= kth - 1e-5).sum(axis=1), truth_sims.shape[1])
    return float(hits.sum() / truth_sims.size)


def _pad_to(sims: np.ndarray, pos: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    if sims.shape[1] == k:
        return sims, pos
    n = sims.shape[0]
    out_s = np.full((n, k), -np.inf, dtype=np.float32)
    out_i = np.full((n, k), -1, dtype=np.int64)
    out_s[:, : sims.shape[1]], out_i[:, : pos.shape[1]] = sims, pos
    return out_s, out_i


def _knn_without_self(
    queries: np.ndarray, rows: np.ndarray, base: np.ndarray, base_rows: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top ``k`` of each query among ``base`` (FAISS's blocked product + heap: about 3x
    cheaper per pair than numpy's argpartition), with a query's own row left out. Returns
    (sims, row numbers) padded with ``-inf`` / ``-1``."""
    faiss = faiss_module()
    kk = min(k + 1, base.shape[0])
    s, j = faiss.knn(queries, base, kk, metric=faiss.METRIC_INNER_PRODUCT)
    found = base_rows[np.where(j >= 0, j, 0)]
    drop = (j < 0) | (found == rows[:, None])
    s = np.where(drop, -np.inf, s).astype(np.float32)
    found = np.where(drop, -1, found)
    # Move dropped entries last (stable, so the order of the rest is kept), keep k.
    order = np.argsort(drop, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(s, order, axis=1), np.take_along_axis(found, order, axis=1)


def _exact_rows(vectors: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    return _knn_without_self(vectors[rows], rows, vectors, np.arange(len(vectors)), k)


def _exact_graph(vectors: np.ndarray, k: int, step: int = 8192) -> tuple[np.ndarray, np.ndarray]:
    n = vectors.shape[0]
    sims = np.empty((n, k), dtype=np.float32)
    pos = np.empty((n, k), dtype=np.int64)
    for lo in range(0, n, step):
        rows = np.arange(lo, min(n, lo + step))
        sims[rows], pos[rows] = _exact_rows(vectors, rows, k)
    return sims, pos


def _cell_graph(
    vectors: np.ndarray,
    labels: np.ndarray,
    cents: np.ndarray,
    k: int,
    nprobe: int,
    rows: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Approximate graph: each of ``rows`` (default: all) against the rows of its
    ``nprobe`` nearest cells. Row ``i`` of the result belongs to ``rows[i]``."""
    rows = np.arange(vectors.shape[0]) if rows is None else np.asarray(rows, dtype=np.int64)
    n = len(rows)
    faiss = faiss_module()
    _, probes = faiss.knn(vectors[rows], cents, nprobe, metric=faiss.METRIC_INNER_PRODUCT)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(len(cents) + 1))
    flat_q = np.repeat(np.arange(n), nprobe)  # positions into rows
    flat_c = probes.ravel()
    by_cell = np.argsort(flat_c, kind="stable")
    qbounds = np.searchsorted(flat_c[by_cell], np.arange(len(cents) + 1))
    cand_q, cand_i, cand_s = [], [], []
    for c in range(len(cents)):
        members = order[bounds[c] : bounds[c + 1]]
        queries = flat_q[by_cell[qbounds[c] : qbounds[c + 1]]]
        if len(members) == 0 or len(queries) == 0:
            continue
        qrows = rows[queries]
        s, found = _knn_without_self(vectors[qrows], qrows, vectors[members], members, k)
        cand_q.append(np.repeat(queries, s.shape[1]))
        cand_i.append(found.ravel())
        cand_s.append(s.ravel())
    q = np.concatenate(cand_q)
    ids = np.concatenate(cand_i)
    s = np.concatenate(cand_s)
    keep = np.isfinite(s)
    q, ids, s = q[keep], ids[keep], s[keep]
    # Best k per row: sort by (row, -similarity), then the rank of each entry in its row.
    order = np.lexsort((-s, q))
    q, ids, s = q[order], ids[order], s[order]
    starts = np.searchsorted(q, np.arange(n))
    rank = np.arange(len(q)) - starts[q]
    take = rank < k
    sims = np.full((n, k), -np.inf, dtype=np.float32)
    pos = np.full((n, k), -1, dtype=np.int64)
    sims[q[take], rank[take]] = s[take]
    pos[q[take], rank[take]] = ids[take]
    return sims, pos
