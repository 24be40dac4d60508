"""The driver's side of mining on a cluster: which candidate clusters of different partitions
are one template, decided from their representatives alone; and the gram counts summed.

The rule is the one ``_templates`` applies to the k-means cells of a component too big for a
dense matrix (``_merge_parts``): average linkage over the clusters' representatives (cosine of
the normalized centroids, weighted dice of the text nearest each centroid), cut at the match
threshold, clusters of one partition never joined directly (their own linkage kept them
apart). Here the representatives of a whole level do not fit one dense matrix either, so the
linkage runs per connected component of a sparse graph: each representative's nearest
representatives of *other* partitions whose match score reaches the threshold.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from ..scoring import ProfileMatrix, combine
from ._templates import _DENSE_LIMIT, _average_linkage

log = logging.getLogger(__name__)


def merge_candidates(
    centroids: np.ndarray,
    reps: Sequence[str],
    parts: np.ndarray,
    threshold: float,
    *,
    k: int = 10,
) -> list[list[int]]:
    """Groups (two or more candidate indices each) of candidates to merge; a candidate in no
    group stays as its partition found it. ``parts[i]`` is candidate ``i``'s partition."""
    c = len(reps)
    parts = np.asarray(parts, dtype=np.int64)
    if c < 2 or len(np.unique(parts)) < 2:
        return []
    from ._knn import knn_graph_blocked

    cents = np.ascontiguousarray(centroids, dtype=np.float32)
    sims, nb = knn_graph_blocked(cents, min(k, c - 1))
    ok = nb >= 0
    ok &= parts[np.where(ok, nb, 0)] != parts[:, None]
    ok &= 0.5 * (sims + 1.0) >= threshold  # the lexical half adds at most 0.5
    src, col = np.nonzero(ok)
    if not len(src):
        return []
    dst = nb[src, col]
    touched = np.unique(np.concatenate([src, dst]))
    local = {int(t): i for i, t in enumerate(touched.tolist())}
    profile = ProfileMatrix([reps[i] for i in touched.tolist()])
    a = np.asarray([local[int(i)] for i in src])
    b = np.asarray([local[int(j)] for j in dst])
    keep = combine(sims[src, col], profile.pairs(a, b)) >= threshold
    if not keep.any():
        return []
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    m = len(touched)
    graph = coo_matrix((np.ones(int(keep.sum())), (a[keep], b[keep])), shape=(m, m))
    _, labels = connected_components(graph, directed=False)
    groups: list[list[int]] = []
    order = np.argsort(labels, kind="stable")
    for comp in np.split(order, np.flatnonzero(np.diff(labels[order])) + 1):
        if len(comp) < 2:
            continue
        if len(comp) > _DENSE_LIMIT:
            log.warning("%d candidate clusters of one component left unmerged", len(comp))
            continue
        groups.extend(_link(comp, touched, cents, profile, parts, threshold))
    log.info("%d candidates: %d merged groups of %d", c, len(groups), sum(map(len, groups)))
    return groups


def _link(
    comp: np.ndarray,
    touched: np.ndarray,
    cents: np.ndarray,
    profile: ProfileMatrix,
    parts: np.ndarray,
    threshold: float,
) -> list[list[int]]:
    """Average linkage of one component (local positions ``comp``), as ``_merge_parts``."""
    ids = touched[comp]
    sims = cents[ids] @ cents[ids].T
    src, dst = np.nonzero(np.triu(0.5 * (sims + 1.0) >= threshold, k=1))
    lex = np.zeros_like(sims, dtype=np.float64)
    lex[src, dst] = lex[dst, src] = profile.pairs(comp[src], comp[dst])
    np.fill_diagonal(lex, 1.0)
    cell = parts[ids]
    labels = _average_linkage(combine(sims, lex), threshold, cell[:, None] == cell[None, :])
    out = []
    for lab in np.unique(labels):
        members = ids[labels == lab]
        if len(members) > 1:
            out.append(sorted(int(i) for i in members))
    return out


def add_counts(
    keys: np.ndarray, counts: np.ndarray, more_keys: np.ndarray, more_counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two sorted (key, count) tables summed into one (the gram document frequencies of two
    sets of passages: each passage counts a gram once, so the sum is the union's)."""
    if not len(keys):
        return more_keys.astype(np.uint32), more_counts.astype(np.uint32)
    allk = np.concatenate([keys, more_keys])
    uniq, inv = np.unique(allk, return_inverse=True)
    total = np.bincount(inv, weights=np.concatenate([counts, more_counts]), minlength=len(uniq))
    return uniq.astype(np.uint32), total.astype(np.uint32)
