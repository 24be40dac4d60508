"""The template graph of a level built partition by partition, and its components clustered
where they lie: the worker's side of mining on a cluster.

``mine_passages`` joins every distinct text to its ``k`` nearest texts whose match score
reaches the threshold and clusters each connected component. Spread over partitions (k-means
cells of the vectors, see ``_parts``), the same graph comes from *guests*: a text is also
sent to every other partition whose nearest cell is nearly as close as its own (all of them when
the level is small enough for the single machine's exact graph), each partition finds the
nearest texts of its own and its guest texts (:func:`partition_knn`, which also marks which
pairs are edges, having both texts at hand), and a text's candidates from every partition
that holds it are merged into its ``k`` nearest (:func:`top_edges`). Components inside one
partition are clustered there; components across partitions are gathered on one worker; in
both cases :func:`cluster_component` runs the single-machine code on the component's texts in
the single machine's order, so the templates are the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..scoring import ProfileMatrix, combine
from ._parts import FinalCluster, NodeSet, PartitionClusters, Partitioning, finish_cluster
from ._templates import Cluster, _make_cluster, _split


def guest_partitions(
    vectors: np.ndarray, parts: Partitioning, home: int, margin: float
) -> list[np.ndarray]:
    """For each other partition, the rows of ``vectors`` (of partition ``home``) whose
    similarity to its nearest cell is within ``margin`` of that to their own nearest cell."""
    if not len(vectors):
        return [np.zeros(0, np.int64) for _ in range(parts.count)]
    sims = parts.scores(vectors)
    near = sims >= sims[:, [home]] - margin
    near[:, home] = False
    return [np.flatnonzero(near[:, q]) for q in range(parts.count)]


@dataclass
class Candidates:
    """Nearest texts found in one partition for some of its texts (by global id, the first
    passage id of a text): similarities, neighbours (-1 padding), their home partitions and
    which pairs are edges."""

    nodes: np.ndarray
    sims: np.ndarray
    ids: np.ndarray
    homes: np.ndarray
    edge: np.ndarray

    def take(self, rows: np.ndarray) -> Candidates:
        return Candidates(
            self.nodes[rows], self.sims[rows], self.ids[rows], self.homes[rows], self.edge[rows]
        )


def partition_knn(nodes: NodeSet, k: int, threshold: float) -> Candidates:
    """The ``k`` nearest other texts of every text of ``nodes`` (a partition's own texts and
    its guests, in global order) and the edge test of ``mine_clusters`` for each pair: not
    both of one and the same story, combined match score at least ``threshold``."""
    from ._knn import knn_graph_blocked

    m = len(nodes)
    gid = nodes.gids()
    if m < 2:
        none = np.full((m, k), -1, dtype=np.int64)
        return Candidates(gid, np.full((m, k), -np.inf), none, none, none >= 0)
    sims, pos = knn_graph_blocked(nodes.vectors, min(k, m - 1))
    solo = np.asarray([next(iter(s)) if len(s) == 1 else -1 for s in nodes.stories])
    ok = pos >= 0
    other = solo[np.where(ok, pos, 0)]
    ok &= (other != solo[:, None]) | (solo[:, None] < 0)
    ok &= ~(0.5 * (sims + 1.0) < threshold)  # the lexical half adds at most 0.5
    src, col = np.nonzero(ok)
    edge = np.zeros(pos.shape, dtype=bool)
    if len(src):
        profile = ProfileMatrix(nodes.texts)
        dst = pos[src, col]
        edge[src, col] = combine(sims[src, col], profile.pairs(src, dst)) >= threshold
    safe = np.maximum(pos, 0)
    ids = np.where(pos >= 0, gid[safe], -1)
    return Candidates(gid, sims, ids, np.where(pos >= 0, nodes.homes[safe], -1), edge)


def top_edges(found: Sequence[Candidates], k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges (source, target global ids, target's home partition) among each text's ``k``
    nearest over all the partitions that searched for it."""
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    node = np.concatenate([np.repeat(c.nodes, c.ids.shape[1]) for c in found])
    nb = np.concatenate([c.ids.ravel() for c in found])
    home = np.concatenate([c.homes.ravel() for c in found])
    sim = np.concatenate([c.sims.ravel() for c in found])
    edge = np.concatenate([c.edge.ravel() for c in found])
    keep = nb >= 0
    order = np.lexsort((nb[keep], -sim[keep], node[keep]))
    node, nb, home, edge = (x[keep][order] for x in (node, nb, home, edge))
    first = np.ones(len(node), dtype=bool)  # the same pair found in several partitions
    first[1:] = (node[1:] != node[:-1]) | (nb[1:] != nb[:-1])
    node, nb, home, edge = node[first], nb[first], home[first], edge[first]
    rank = np.arange(len(node)) - np.searchsorted(node, node)
    take = (rank < k) & edge
    return node[take], nb[take], home[take]


def components(home: np.ndarray, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of a partition's own texts (``home``: sorted global ids) under
    the edges between them (``src`` are home texts): each home text's component, and which
    edges leave the partition."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    a = np.searchsorted(home, src)
    local = np.isin(dst, home)
    b = np.searchsorted(home, dst[local])
    n = len(home)
    graph = coo_matrix((np.ones(int(local.sum())), (a[local], b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels, ~local


def cluster_component(
    nodes: NodeSet, threshold: float, min_support: int, level: str
) -> list[tuple[FinalCluster, np.ndarray, np.ndarray]]:
    """The templates of one component (``nodes`` in global order), as ``mine_clusters``
    finds them: average linkage against chaining, clusters of ``min_support`` stories."""
    if len(frozenset().union(*nodes.stories)) < min_support:
        return []
    profile = ProfileMatrix(nodes.texts)
    weights = nodes.weights().astype(np.float64)
    out = []
    for part in _split(np.arange(len(nodes)), nodes.vectors, profile, threshold):
        cl = _make_cluster(part, nodes.vectors, profile, nodes.stories, weights)
        if cl.stories >= min_support:
            out.append(finish_cluster(cl, nodes, level))
    return out


def split_giant(nodes: NodeSet, threshold: float) -> PartitionClusters:
    """A partition's share of a component too big to gather on one worker, clustered as
    ``_split`` clusters a component (k-means cells of about 1,000 texts above 5,000) and
    kept as candidates of at least two stories, to be merged across partitions by their
    representatives (``_merge``)."""
    if not len(nodes):
        return PartitionClusters(nodes, [])
    profile = ProfileMatrix(nodes.texts)
    weights = nodes.weights().astype(np.float64)
    clusters: list[Cluster] = []
    for part in _split(np.arange(len(nodes)), nodes.vectors, profile, threshold):
        cl = _make_cluster(part, nodes.vectors, profile, nodes.stories, weights)
        if cl.stories >= 2:
            clusters.append(cl)
    clusters.sort(key=lambda c: (-c.stories, -len(c.members), c.medoid))
    return PartitionClusters(nodes, clusters)
