"""Template mining: clusters of similar passages from different stories.

The core, :func:`mine_clusters`, takes arrays (vectors, a kNN graph, story ids) and the
passages' texts, and returns clusters; it knows nothing about stores or models. A cluster is
a template when it spans at least ``min_support`` distinct stories (near-duplicate articles
count once, so five outlets syndicating one press release are not a template).

Chaining guard: a kNN graph's connected components can chain A~B~C while A and C share
nothing, so each component is re-clustered with average linkage on the full pairwise score
and cut at the same threshold: every template member is, on average, a match of the others.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..scoring import DEFAULT_THRESHOLD, ProfileMatrix, combine

log = logging.getLogger(__name__)

# Components larger than this are split on embeddings alone: the pairwise lexical
# matrix costs O(n^2) Python operations.
_LEXICAL_LIMIT = 400
_DENSE_LIMIT = 5000
_CELL = 1000  # texts per k-means cell when a component is cut


@dataclass(frozen=True)
class Cluster:
    """Positions (into the mining arrays) of one template's members, medoid first."""

    members: tuple[int, ...]
    medoid: int
    scores: tuple[float, ...]  # each member's match score against the medoid
    stories: int


def mine_passages(
    vectors: np.ndarray,
    texts: Sequence[str],
    stories: np.ndarray,
    *,
    k: int = 10,
    threshold: float = DEFAULT_THRESHOLD,
    min_support: int = 3,
) -> list[Cluster]:
    """Templates among passages: identical texts are collapsed to one node first.

    A verbatim formula repeated in ten thousand articles is one node carrying the set of
    its stories, not ten thousand nodes whose ``k`` nearest neighbours would all be copies
    of each other (hiding its paraphrases from the kNN graph and making one giant
    component). The kNN graph of the distinct texts comes from
    :func:`~protocol_match.mining.knn_graph_blocked` (IVF-style cells, recall-checked);
    clusters are returned with passage positions, each member scored by its
    text's score.
    """
    n = len(texts)
    if vectors.shape[0] != n or len(stories) != n:
        raise ValueError("vectors, texts and stories must have the same length")
    if n == 0:
        return []
    node_of, first = collapse_texts(texts)
    m = len(first)
    story_sets: list[set[int]] = [set() for _ in range(m)]
    for node, story in zip(node_of.tolist(), np.asarray(stories).tolist(), strict=True):
        story_sets[node].add(story)
    node_vecs = np.ascontiguousarray(vectors[first], dtype=np.float32)
    if m > 1:
        from ._knn import knn_graph_blocked

        sims, neighbors = knn_graph_blocked(node_vecs, min(k, m - 1))
    else:
        sims = np.full((1, 1), -np.inf, dtype=np.float32)
        neighbors = np.full((1, 1), -1, dtype=np.int64)
    clusters = mine_clusters(
        node_vecs,
        [texts[i] for i in first],
        [frozenset(s) for s in story_sets],
        neighbors,
        sims,
        threshold=threshold,
        min_support=min_support,
        weights=np.bincount(node_of, minlength=m),
    )
    passages_of = _group_positions(node_of, m)
    out = []
    for cl in clusters:
        members: list[int] = []
        scores: list[float] = []
        for node, score in zip(cl.members, cl.scores, strict=True):
            members.extend(passages_of[node])
            scores.extend([score] * len(passages_of[node]))
        out.append(Cluster(tuple(members), members[0], tuple(scores), cl.stories))
    log.info("collapsed %d passages to %d distinct texts", n, m)
    return out


def collapse_texts(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(node_of, first)``: each text's node (distinct texts in first-seen order) and the
    position of each node's first occurrence."""
    seen: dict[str, int] = {}
    node_of = np.empty(len(texts), dtype=np.int64)
    first: list[int] = []
    for i, text in enumerate(texts):
        node = seen.get(text)
        if node is None:
            node = seen[text] = len(first)
            first.append(i)
        node_of[i] = node
    return node_of, np.asarray(first, dtype=np.int64)


def _group_positions(node_of: np.ndarray, m: int) -> list[list[int]]:
    order = np.argsort(node_of, kind="stable")
    bounds = np.searchsorted(node_of[order], np.arange(m + 1))
    return [order[bounds[j] : bounds[j + 1]].tolist() for j in range(m)]


def mine_clusters(
    vectors: np.ndarray,
    texts: Sequence[str],
    stories: np.ndarray | Sequence[frozenset[int]],
    neighbors: np.ndarray,
    neighbor_sims: np.ndarray,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_support: int = 3,
    weights: np.ndarray | None = None,
) -> list[Cluster]:
    """Cluster passages into templates.

    ``stories[i]`` is passage ``i``'s story id, or (for a node standing for several
    identical passages, see :func:`mine_passages`) the set of its stories; ``weights[i]``
    is then how many passages the node stands for (it weighs the medoid choice).
    ``neighbors[i]`` holds positions (not ids) of the nearest passages of passage ``i``
    (``-1`` padding) and ``neighbor_sims[i]`` their cosine similarities. An edge joins two
    passages unless both belong to one and the same story, when their combined semantic +
    lexical score reaches ``threshold``; components are re-clustered against chaining, and
    clusters spanning at least ``min_support`` stories are returned, largest support first.
    """
    n = len(texts)
    if vectors.shape[0] != n or len(stories) != n or neighbors.shape[0] != n:
        raise ValueError("vectors, texts, stories and neighbors must have the same length")
    if min_support < 2:
        raise ValueError("min_support must be at least 2")
    if not 0 < threshold < 1:
        raise ValueError("threshold must be between 0 and 1")
    if n == 0:
        return []
    sets = _story_sets(stories)
    # A node's story when it has exactly one, else -1: edges inside one story are dropped.
    solo = np.asarray([next(iter(s)) if len(s) == 1 else -1 for s in sets], dtype=np.int64)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    profile = ProfileMatrix(texts)
    rows, cols = _edges(neighbors, neighbor_sims, solo, profile, threshold)

    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    parts = np.split(order, bounds)
    log.info(
        "%d edges, %d components, largest %d",
        len(rows),
        len(parts),
        max(len(p) for p in parts),
    )
    clusters: list[Cluster] = []
    for members in parts:
        if len(frozenset().union(*(sets[i] for i in members))) < min_support:
            continue
        for part in _split(members, vectors, profile, threshold):
            cluster = _make_cluster(part, vectors, profile, sets, w)
            if cluster.stories >= min_support:
                clusters.append(cluster)
    clusters.sort(key=lambda c: (-c.stories, -len(c.members), c.medoid))
    log.info("mined %d clusters from %d passages (%d edges)", len(clusters), n, len(rows))
    return clusters


def _story_sets(stories: np.ndarray | Sequence[frozenset[int]]) -> list[frozenset[int]]:
    if isinstance(stories, np.ndarray):
        return [frozenset((s,)) for s in stories.tolist()]
    return [frozenset(s) for s in stories]


def _edges(
    neighbors: np.ndarray,
    neighbor_sims: np.ndarray,
    solo: np.ndarray,
    profile: ProfileMatrix,
    threshold: float,
) -> tuple[list[int], list[int]]:
    """Graph edges (row-major kNN order): neighbours not of the same single story
    (``solo``: a node's only story, or -1) whose combined score reaches ``threshold``. The
    cheap semantic bound is applied to all pairs at once, so the lexical score is computed
    only for pairs that can still pass."""
    nb = np.asarray(neighbors)
    sims = np.asarray(neighbor_sims)
    n = nb.shape[0]
    own = np.arange(n)[:, None]
    ok = (nb >= 0) & (nb != own)
    other = solo[np.where(ok, nb, 0)]
    ok &= (other != solo[:, None]) | (solo[:, None] < 0)
    # Cheap bound first: the lexical half can add at most 0.5.
    ok &= ~(0.5 * (sims + 1.0) < threshold)
    src, col = np.nonzero(ok)
    dst = nb[src, col]
    lex = profile.pairs(src, dst)
    keep = combine(sims[src, col], lex) >= threshold
    return src[keep].tolist(), dst[keep].astype(int).tolist()


def _pair_scores(members: np.ndarray, vectors: np.ndarray, profile: ProfileMatrix) -> np.ndarray:
    sims = vectors[members] @ vectors[members].T
    if len(members) > _LEXICAL_LIMIT:
        return sims
    return combine(sims, profile.dense(members))


def _split(
    members: np.ndarray, vectors: np.ndarray, profile: ProfileMatrix, threshold: float
) -> list[np.ndarray]:
    """Average-linkage re-clustering of one component, cut at ``threshold``."""
    if len(members) <= 2:
        return [members]
    if len(members) > _DENSE_LIMIT:
        return _split_large(members, vectors, profile, threshold)
    labels = _average_linkage(_pair_scores(members, vectors, profile), threshold)
    return [members[labels == lab] for lab in np.unique(labels)]


def _average_linkage(
    scores: np.ndarray, threshold: float, apart: np.ndarray | None = None
) -> np.ndarray:
    """Cluster labels of an average-linkage tree over pairwise ``scores`` cut at
    ``threshold``; pairs marked in ``apart`` count as maximally distant."""
    from sklearn.cluster import AgglomerativeClustering

    dist = np.clip(1.0 - scores, 0.0, 2.0)
    if apart is not None:
        dist[apart] = 2.0
    np.fill_diagonal(dist, 0.0)
    return AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=1.0 - threshold,
    ).fit_predict(dist)


def _split_large(
    members: np.ndarray, vectors: np.ndarray, profile: ProfileMatrix, threshold: float
) -> list[np.ndarray]:
    """A component too big for a dense matrix (formula families chained by near matches):
    cut into k-means cells of about ``_CELL`` texts, cluster each cell, then merge the
    cells' clusters whose centroids match (one formula cut by a cell border is one
    template again)."""
    from ._knn import kmeans_labels

    log.info("component of %d texts cut by k-means", len(members))
    labels = kmeans_labels(vectors[members], max(2, len(members) // _CELL))
    if np.bincount(labels).max() == len(members):
        # One cell: (near-)identical vectors. Recursing would never end; one template.
        return [members]
    parts: list[np.ndarray] = []
    cells: list[int] = []
    for lab in np.unique(labels):
        found = _split(members[labels == lab], vectors, profile, threshold)
        parts.extend(found)
        cells.extend([int(lab)] * len(found))
    return _merge_parts(parts, cells, vectors, profile, threshold)


def _merge_parts(
    parts: list[np.ndarray],
    cells: list[int],
    vectors: np.ndarray,
    profile: ProfileMatrix,
    threshold: float,
) -> list[np.ndarray]:
    """Average linkage over the clusters' representatives (normalized centroid; the member
    nearest it for the lexical half), cut at ``threshold``; singletons stay as they are.
    Clusters of one cell are never joined directly: their own linkage kept them apart."""
    keep = [i for i, p in enumerate(parts) if len(p) > 1]
    multi = [parts[i] for i in keep]
    cell = np.asarray([cells[i] for i in keep])
    rest = [p for p in parts if len(p) == 1]
    if len(multi) < 2 or len(multi) > _DENSE_LIMIT:
        if len(multi) > _DENSE_LIMIT:
            log.warning("%d clusters of one component left unmerged", len(multi))
        return parts
    cents = np.stack([vectors[p].mean(axis=0) for p in multi])
    cents /= np.maximum(np.linalg.norm(cents, axis=1, keepdims=True), 1e-12)
    reps = np.asarray(
        [p[int(np.argmax(vectors[p] @ c))] for p, c in zip(multi, cents, strict=True)]
    )
    sims = cents @ cents.T
    # Lexical half only where it can matter: it adds at most 0.5 (the cheap bound).
    src, dst = np.nonzero(np.triu(0.5 * (sims + 1.0) >= threshold, k=1))
    lex = np.zeros_like(sims)
    lex[src, dst] = lex[dst, src] = profile.pairs(reps[src], reps[dst])
    np.fill_diagonal(lex, 1.0)
    labels = _average_linkage(combine(sims, lex), threshold, cell[:, None] == cell[None, :])
    merged = [
        np.concatenate([multi[i] for i in np.flatnonzero(labels == lab)])
        for lab in np.unique(labels)
    ]
    log.info("merged %d cell clusters into %d", len(multi), len(merged))
    return merged + rest


def _make_cluster(
    part: np.ndarray,
    vectors: np.ndarray,
    profile: ProfileMatrix,
    sets: Sequence[frozenset[int]],
    weights: np.ndarray,
) -> Cluster:
    w = weights[part]
    if len(part) > _DENSE_LIMIT:
        # No dense matrix for huge clusters: the medoid is the member nearest the centroid.
        sub = vectors[part]
        centroid = (sub * w[:, None]).sum(axis=0)
        medoid_pos = int(np.argmax(sub @ centroid))
        row = sub @ sub[medoid_pos]
    else:
        scores = _pair_scores(part, vectors, profile)
        # Weighted by how many passages each member stands for: the most repeated wording
        # of a formula is its most typical one.
        medoid_pos = int(np.argmax(scores @ w))
        row = scores[medoid_pos]
    order = np.argsort(-row, kind="stable")
    # The medoid first, even when another member ties with it.
    order = np.concatenate(([medoid_pos], order[order != medoid_pos]))
    members = tuple(int(part[i]) for i in order)
    return Cluster(
        members=members,
        medoid=int(part[medoid_pos]),
        scores=tuple(float(row[i]) for i in order),
        stories=len(frozenset().union(*(sets[i] for i in members))),
    )


def is_chrome(text: str) -> bool:
    """Short page furniture (datelines, sign-offs, "Print version") rather than a formula."""
    words = text.split()
    return len(words) <= 6 or len(text) <= 40
