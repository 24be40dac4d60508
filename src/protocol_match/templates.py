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

from .lexical import content_profile, dice
from .scoring import DEFAULT_THRESHOLD, combine

log = logging.getLogger(__name__)

# Components larger than this are split on embeddings alone: the pairwise lexical
# matrix costs O(n^2) Python operations.
_LEXICAL_LIMIT = 400
_DENSE_LIMIT = 5000


@dataclass(frozen=True)
class Cluster:
    """Positions (into the mining arrays) of one template's members, medoid first."""

    members: tuple[int, ...]
    medoid: int
    scores: tuple[float, ...]  # each member's match score against the medoid
    stories: int


def mine_clusters(
    vectors: np.ndarray,
    texts: Sequence[str],
    stories: np.ndarray,
    neighbors: np.ndarray,
    neighbor_sims: np.ndarray,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_support: int = 3,
) -> list[Cluster]:
    """Cluster passages into templates.

    ``neighbors[i]`` holds positions (not ids) of the nearest passages of passage ``i``
    (``-1`` padding) and ``neighbor_sims[i]`` their cosine similarities. An edge joins two
    passages of different stories whose combined semantic + lexical score reaches
    ``threshold``; components are re-clustered against chaining, and clusters spanning at
    least ``min_support`` stories are returned, largest support first.
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
    profile = _Profiles(texts)
    rows, cols = _edges(neighbors, neighbor_sims, stories, profile, threshold)
    if not rows:
        return []

    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    comp_sizes = np.bincount(labels)
    clusters: list[Cluster] = []
    for comp in np.flatnonzero(comp_sizes > 1):
        members = np.flatnonzero(labels == comp)
        if len(set(stories[members].tolist())) < min_support:
            continue
        for part in _split(members, vectors, profile, threshold):
            cluster = _make_cluster(part, vectors, profile, stories)
            if cluster.stories >= min_support:
                clusters.append(cluster)
    clusters.sort(key=lambda c: (-c.stories, -len(c.members), c.medoid))
    log.info("mined %d clusters from %d passages (%d edges)", len(clusters), n, len(rows))
    return clusters


class _Profiles:
    """Content profiles and pairwise dice of the passages being mined, memoized.

    ``profiles(i)`` is computed once per distinct text (formulas repeat verbatim across
    thousands of articles), so identical texts share one profile object, and
    ``profiles.dice(a, b)`` is memoized per ordered pair of profile objects: a component's
    pairs are scored again when its parts become clusters. The memo is dropped when it
    grows past ``max_pairs``; results never depend on it.
    """

    def __init__(self, texts: Sequence[str], max_pairs: int = 4_000_000) -> None:
        self._texts = texts
        self._by_text: dict[str, dict[str, float]] = {}
        self._pairs: dict[tuple[int, int], float] = {}
        self._max_pairs = max_pairs

    def __call__(self, i: int) -> dict[str, float]:
        text = self._texts[i]
        prof = self._by_text.get(text)
        if prof is None:
            prof = self._by_text[text] = content_profile(text)
        return prof

    def dice(self, a: dict[str, float], b: dict[str, float]) -> float:
        # Keyed by identity and order: dice sums in a's order, so (b, a) may differ in
        # the last bit, and the profiles live as long as this object.
        key = (id(a), id(b))
        value = self._pairs.get(key)
        if value is None:
            if len(self._pairs) >= self._max_pairs:
                self._pairs.clear()
            value = self._pairs[key] = dice(a, b)
        return value


def _edges(
    neighbors: np.ndarray,
    neighbor_sims: np.ndarray,
    stories: np.ndarray,
    profile: _Profiles,
    threshold: float,
) -> tuple[list[int], list[int]]:
    """Graph edges (row-major kNN order): neighbours of another story whose combined score
    reaches ``threshold``. The cheap semantic bound is applied to all pairs at once, so
    the lexical score is computed only for pairs that can still pass."""
    nb = np.asarray(neighbors)
    sims = np.asarray(neighbor_sims)
    n = nb.shape[0]
    own = np.arange(n)[:, None]
    ok = (nb >= 0) & (nb != own)
    ok &= stories[np.where(ok, nb, 0)] != stories[:, None]
    # Cheap bound first: the lexical half can add at most 0.5.
    ok &= ~(0.5 * (sims + 1.0) < threshold)
    src, col = np.nonzero(ok)
    dst = nb[src, col]
    lex = np.fromiter(
        (profile.dice(profile(int(i)), profile(int(j))) for i, j in zip(src, dst, strict=True)),
        dtype=np.float64,
        count=len(src),
    )
    keep = combine(sims[src, col], lex) >= threshold
    return src[keep].tolist(), dst[keep].astype(int).tolist()


def _pair_scores(members: np.ndarray, vectors: np.ndarray, profile: _Profiles) -> np.ndarray:
    sims = vectors[members] @ vectors[members].T
    if len(members) > _LEXICAL_LIMIT:
        return sims
    profs = [profile(int(i)) for i in members]
    lex = np.eye(len(members))
    pair = profile.dice
    for a in range(len(members)):
        pa = profs[a]
        for b in range(a + 1, len(members)):
            lex[a, b] = lex[b, a] = pair(pa, profs[b])
    return combine(sims, lex)


def _split(members: np.ndarray, vectors: np.ndarray, profile: _Profiles, threshold: float) -> list:
    """Average-linkage re-clustering of one component, cut at ``threshold``."""
    if len(members) <= 2:
        return [members]
    if len(members) > _DENSE_LIMIT:
        # Too big for a dense matrix: recurse on embeddings with a stricter cut.
        log.warning("component of %d passages split by k-means", len(members))
        from sklearn.cluster import MiniBatchKMeans

        k = max(2, len(members) // 1000)
        labels = MiniBatchKMeans(n_clusters=k, random_state=0, n_init=3).fit_predict(
            vectors[members]
        )
        if np.bincount(labels, minlength=k).max() == len(members):
            # k-means put everything in one cluster: the passages are (near-)identical
            # vectors, e.g. one verbatim formula in thousands of articles. Recursing would
            # never end; they are one template.
            return [members]
        out = []
        for lab in range(k):
            part = members[labels == lab]
            if len(part):  # k-means can leave a cluster empty
                out.extend(_split(part, vectors, profile, threshold))
        return out
    from sklearn.cluster import AgglomerativeClustering

    scores = _pair_scores(members, vectors, profile)
    dist = np.clip(1.0 - scores, 0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    labels = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=1.0 - threshold,
    ).fit_predict(dist)
    return [members[labels == lab] for lab in np.unique(labels)]


def _make_cluster(
    part: np.ndarray, vectors: np.ndarray, profile: _Profiles, stories: np.ndarray
) -> Cluster:
    if len(part) > _DENSE_LIMIT:
        # No dense matrix for huge clusters: the medoid is the member nearest the centroid.
        sub = vectors[part]
        centroid = sub.mean(axis=0)
        medoid_pos = int(np.argmax(sub @ centroid))
        row = sub @ sub[medoid_pos]
    else:
        scores = _pair_scores(part, vectors, profile)
        medoid_pos = int(np.argmax(scores.sum(axis=1)))
        row = scores[medoid_pos]
    order = np.argsort(-row, kind="stable")
    members = tuple(int(part[i]) for i in order)
    return Cluster(
        members=members,
        medoid=int(part[medoid_pos]),
        scores=tuple(float(row[i]) for i in order),
        stories=len(set(stories[list(members)].tolist())),
    )


def is_chrome(text: str) -> bool:
    """Short page furniture (datelines, sign-offs, "Print version") rather than a formula."""
    words = text.split()
    return len(words) <= 6 or len(text) <= 40
