"""Exact inner-product search in numpy, input checks, and the recall calibration of
approximate indexes (the reference every FAISS result is measured against)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np

log = logging.getLogger(__name__)

CALIBRATION_TARGET = 0.97  # headroom over the 0.95 goal: the sample is a few hundred queries
CALIBRATION_QUERIES = 256
CHUNK_ROWS = 65536  # rows per add/validation chunk, so no full-size temporary copy is made


def check_vectors(vectors: np.ndarray, name: str, dimension: int | None = None) -> np.ndarray:
    arr = np.asarray(vectors)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n, dimension), got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(f"{name} must be floating point, got dtype {arr.dtype}")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has dimension 0")
    if dimension is not None and arr.shape[1] != dimension:
        raise ValueError(
            f"{name} have dimension {arr.shape[1]} but the index has dimension {dimension}"
        )
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    for lo in range(0, arr.shape[0], CHUNK_ROWS):  # chunked: no n*d temporary at 1M rows
        if not np.isfinite(arr[lo : lo + CHUNK_ROWS]).all():
            raise ValueError(f"{name} contain NaN or infinite values")
    return arr


def check_ids(ids: np.ndarray, n: int) -> np.ndarray:
    arr = np.asarray(ids)
    if arr.ndim != 1:
        raise ValueError(f"ids must be a 1-D array, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"ids must be integers, got dtype {arr.dtype}")
    if arr.shape[0] != n:
        raise ValueError(f"got {arr.shape[0]} ids for {n} vectors")
    arr = np.ascontiguousarray(arr, dtype=np.int64)
    if arr.size and arr.min() < 0:
        raise ValueError("ids must be >= 0 (-1 marks a missing result)")
    if np.unique(arr).size != arr.size:
        raise ValueError("ids must be unique")
    return arr


def check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    return int(k)


def pad(sims: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sims = np.ascontiguousarray(sims, dtype=np.float32)
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    sims[ids < 0] = -np.inf
    ids[ids < 0] = -1
    return ties_by_id(sims, ids)


def ties_by_id(sims: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order equal similarities by id. FAISS leaves ties in heap order, which depends on how
    the vectors are split up; by id, results are the same for one index or several shards
    (identical texts share a vector, so exact ties are common in boilerplate)."""
    if sims.shape[1] < 2 or not (sims[:, 1:] == sims[:, :-1]).any():
        return sims, ids
    order = np.lexsort((np.where(ids < 0, np.iinfo(np.int64).max, ids), -sims), axis=1)
    return np.take_along_axis(sims, order, axis=1), np.take_along_axis(ids, order, axis=1)


def exact_search(
    vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Brute-force top-``k`` inner-product search in numpy (the reference for recall).

    Same contract as :meth:`VectorIndex.search`: ``(sims (m, k) float32, ids (m, k) int64)``
    sorted by decreasing similarity, padded with ``-inf`` / ``-1`` when ``k > n``. Queries
    are processed in chunks so the (chunk, n) score matrix stays around 256 MB.
    """
    k = check_k(k)
    vectors = check_vectors(vectors, "vectors")
    ids = check_ids(ids, vectors.shape[0])
    queries = check_vectors(queries, "queries", vectors.shape[1])
    return exact_topk(vectors, ids, queries, k)


def exact_topk(
    vectors: np.ndarray,
    ids: np.ndarray,
    queries: np.ndarray,
    k: int,
    exclude: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`exact_search` without validation; rows where ``exclude`` is True are skipped
    (so a calibration sample can be left out without copying the other rows)."""
    n, m = vectors.shape[0], queries.shape[0]
    out_s = np.full((m, k), -np.inf, dtype=np.float32)
    out_i = np.full((m, k), -1, dtype=np.int64)
    available = n - (int(exclude.sum()) if exclude is not None else 0)
    if available <= 0 or m == 0:
        return out_s, out_i
    kk = min(k, available)
    chunk = max(1, (64 * 1024 * 1024) // n)
    for lo in range(0, m, chunk):
        scores = queries[lo : lo + chunk] @ vectors.T
        if exclude is not None:
            scores[:, exclude] = -np.inf
        if kk < n:
            part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
        else:
            part = np.broadcast_to(np.arange(n), scores.shape)
        top = np.take_along_axis(scores, part, axis=1)
        order = np.argsort(-top, axis=1, kind="stable")
        out_s[lo : lo + chunk, :kk] = np.take_along_axis(top, order, axis=1)
        out_i[lo : lo + chunk, :kk] = ids[np.take_along_axis(part, order, axis=1)]
    return out_s, out_i


def recall_at_k(truth: np.ndarray, found: np.ndarray) -> float:
    """Mean share of each row's true ids (ignoring -1 padding) present in ``found``."""
    hits = total = 0
    for t, f in zip(truth, found, strict=True):
        t = t[t >= 0]
        hits += np.intersect1d(t, f).size
        total += t.size
    return hits / total if total else 1.0


def tie_aware_recall(
    truth_sims: np.ndarray,
    found: np.ndarray,
    queries: np.ndarray,
    vectors: np.ndarray,
    ids: np.ndarray,
) -> float:
    """Share of the top-k slots filled with a vector as similar as the true k-th one.

    News repeats sentences verbatim, so many stored vectors are identical and which of the
    tied ids comes back is arbitrary: id-based recall then plateaus far below 1 and drives
    the search parameter to its maximum for nothing. A returned vector counts as a hit when
    its exact similarity reaches the true k-th similarity.
    """
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    hits = total = 0
    for q, t_sims, f in zip(queries, truth_sims, found, strict=True):
        valid = np.isfinite(t_sims)
        if not valid.any():
            continue
        kth = float(t_sims[valid][-1])
        f = f[f >= 0]
        rows = order[np.searchsorted(sorted_ids, f)]
        exact = vectors[rows] @ q
        hits += int(min(valid.sum(), (exact >= kth - 1e-5).sum()))
        total += int(valid.sum())
    return hits / total if total else 1.0


def calibrate(
    search: Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]],
    set_param: Callable[[int], None],
    candidates: Sequence[int],
    truth: np.ndarray,
    queries: np.ndarray,
    what: str,
    recall_of: Callable[[np.ndarray], float] | None = None,
) -> int:
    """Smallest candidate whose recall@k (k = truth columns) reaches CALIBRATION_TARGET.

    Stops early at a plateau (two steps adding < 0.002 recall): compressed codes cap recall
    below the target, and scanning more lists then only costs time.
    """
    k = truth.shape[1]
    history: list[float] = []
    for value in candidates:
        set_param(value)
        found = search(queries, k)[1]
        recall = recall_of(found) if recall_of is not None else recall_at_k(truth, found)
        history.append(recall)
        if recall >= CALIBRATION_TARGET:
            log.info("calibrated %s=%d: recall@%d %.3f", what, value, k, recall)
            return value
        if len(history) >= 3 and history[-1] - history[-3] < 0.002:
            log.warning(
                "%s=%d: recall@%d plateaus at %.3f below the %.2f target (quantization?)",
                what, value, k, recall, CALIBRATION_TARGET,
            )  # fmt: skip
            return value
    log.warning(
        "%s=%d reaches only recall@%d %.3f (target %.2f)",
        what, candidates[-1], k, history[-1], CALIBRATION_TARGET,
    )  # fmt: skip
    return candidates[-1]
