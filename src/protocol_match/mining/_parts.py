"""Template mining of one partition of a level: the worker's side of mining on a cluster.

A level's passages are cut into partitions, groups of k-means cells of their vectors
(:func:`partitioning`, :func:`split_batch`; identical texts have identical vectors, so every
copy of a text lands in the same partition), and each partition's identical texts are
collapsed into nodes (:class:`NodeSet`). Templates are finished from node-level clusters as
``mine_store`` records them (:func:`finish_cluster`). For components too big to gather on one
worker, a partition's share is clustered into *candidates* (:class:`PartitionClusters`: its
clusters spanning at least two stories, since one below ``min_support`` may still reach it
when joined with its part across a partition border); a candidate's representative
(normalized centroid, the text nearest it: what ``_templates`` merges k-means cells by) goes
to the driver, which decides which candidates of different partitions are one template
(``_merge``); those are finished from the nodes gathered from several partitions
(:func:`finish_merged`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..scoring import ProfileMatrix, slot_form
from ._templates import Cluster, _make_cluster, collapse_texts, is_chrome

Meta = dict[int, tuple[str, str | None, str | None]]  # article rowid -> (id, date, source)


@dataclass
class PassageBatch:
    """Passages of one level in id order, with what mining needs of each."""

    pids: np.ndarray  # int64 passage ids, ascending
    vectors: np.ndarray  # float32 (n, d), as Store.level_vectors returns them
    texts: list[str]
    stories: np.ndarray  # int64 story code per passage (near-duplicates share one)
    articles: np.ndarray  # int64 article rowid per passage
    meta: Meta = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pids)

    def take(self, rows: np.ndarray) -> PassageBatch:
        arts = self.articles[rows]
        return PassageBatch(
            self.pids[rows], self.vectors[rows], [self.texts[i] for i in rows.tolist()],
            self.stories[rows], arts, {a: self.meta[a] for a in set(arts.tolist())},
        )  # fmt: skip

    @classmethod
    def concat(cls, batches: Sequence[PassageBatch], dimension: int) -> PassageBatch:
        batches = [b for b in batches if len(b)]
        if not batches:
            z = np.zeros(0, np.int64)
            return cls(z, np.zeros((0, dimension), np.float32), [], z, z, {})
        meta: Meta = {}
        for b in batches:
            meta.update(b.meta)
        return cls(
            np.concatenate([b.pids for b in batches]),
            np.concatenate([b.vectors for b in batches]),
            [t for b in batches for t in b.texts],
            np.concatenate([b.stories for b in batches]),
            np.concatenate([b.articles for b in batches]),
            meta,
        )


@dataclass(frozen=True)
class Partitioning:
    """Partitions of a level as groups of fine k-means cells: a vector belongs to the
    partition of its nearest cell; its score for a partition is its similarity to that
    partition's nearest cell (what the guest margin compares)."""

    centroids: np.ndarray  # (cells, d) unit centroids
    parts: np.ndarray  # partition of each cell

    @property
    def count(self) -> int:
        return int(self.parts.max()) + 1

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """(n, partitions): similarity of each vector to each partition's nearest cell."""
        sims = vectors @ self.centroids.T
        out = np.full((len(vectors), self.count), -np.inf, dtype=np.float32)
        for q in range(self.count):
            cols = self.parts == q
            if cols.any():
                out[:, q] = sims[:, cols].max(axis=1)
        return out

    def assign(self, vectors: np.ndarray, step: int = 65536) -> np.ndarray:
        out = np.empty(len(vectors), dtype=np.int64)
        for lo in range(0, len(vectors), step):
            nearest = np.argmax(vectors[lo : lo + step] @ self.centroids.T, axis=1)
            out[lo : lo + step] = self.parts[nearest]
        return out


def partitioning(
    sample: np.ndarray, parts: int, *, cells_per_part: int = 8, slack: float = 1.15, seed: int = 0
) -> Partitioning:
    """Partitions of about equal size from a sample of a level's vectors: spherical k-means
    into ``cells_per_part * parts`` cells, the cells grouped by a k-means of their
    centroids, then, largest first, moved to the most similar group with room when their
    group would exceed ``slack`` times the mean size (plain k-means cells of a level are
    very uneven: one formula family can fill a third of it)."""
    from ._knn import kmeans_labels

    rows = np.unique(np.asarray(sample, dtype=np.float32), axis=0)
    labels = kmeans_labels(rows, cells_per_part * parts, seed=seed)
    sizes = np.bincount(labels)
    used = np.flatnonzero(sizes > 0)
    cents = np.zeros((len(sizes), rows.shape[1]), dtype=np.float32)
    np.add.at(cents, labels, rows)
    cents = cents[used] / np.maximum(np.linalg.norm(cents[used], axis=1, keepdims=True), 1e-12)
    sizes = sizes[used]
    if parts < 2 or len(cents) < 2:
        return Partitioning(cents, np.zeros(len(cents), dtype=np.int64))
    group = kmeans_labels(cents, parts, seed=seed)
    means = np.zeros((int(group.max()) + 1, cents.shape[1]), dtype=np.float32)
    np.add.at(means, group, cents * sizes[:, None])
    affinity = cents @ means.T  # cell x group
    cap = slack * sizes.sum() / len(means)
    load = np.zeros(len(means))
    out = np.empty(len(cents), dtype=np.int64)
    for c in np.argsort(-sizes, kind="stable"):
        room = np.flatnonzero(load + sizes[c] <= cap)
        if group[c] in room:
            target = group[c]
        elif len(room):
            target = room[np.argmax(affinity[c, room])]
        else:
            target = int(np.argmin(load))
        out[c] = target
        load[target] += sizes[c]
    _, out = np.unique(out, return_inverse=True)  # no empty partitions
    return Partitioning(cents, out.astype(np.int64))


def split_batch(batch: PassageBatch, parts: Partitioning) -> list[PassageBatch]:
    """``batch`` cut into one batch per partition (its rows in order)."""
    labels = parts.assign(batch.vectors)
    return [batch.take(np.flatnonzero(labels == p)) for p in range(parts.count)]


@dataclass
class NodeSet:
    """Distinct texts (nodes) and their passages: node ``i`` stands for the passages
    ``pids[bounds[i]:bounds[i + 1]]`` (ascending) of articles ``articles[...]``; its global
    id is its first passage id, and ``homes[i]`` the partition that holds it."""

    vectors: np.ndarray
    texts: list[str]
    stories: list[frozenset[int]]
    pids: np.ndarray
    articles: np.ndarray
    bounds: np.ndarray
    meta: Meta
    homes: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)

    def gids(self) -> np.ndarray:
        return self.pids[self.bounds[:-1]]

    @classmethod
    def of(cls, batch: PassageBatch, home: int = 0) -> NodeSet:
        node_of, first = collapse_texts(batch.texts)
        m = len(first)
        order = np.argsort(node_of, kind="stable")
        bounds = np.searchsorted(node_of[order], np.arange(m + 1))
        stories: list[set[int]] = [set() for _ in range(m)]
        for node, story in zip(node_of.tolist(), batch.stories.tolist(), strict=True):
            stories[node].add(story)
        return cls(
            np.ascontiguousarray(batch.vectors[first], dtype=np.float32),
            [batch.texts[i] for i in first.tolist()], [frozenset(s) for s in stories],
            batch.pids[order], batch.articles[order], bounds, batch.meta, np.full(m, home),
        )  # fmt: skip

    def weights(self) -> np.ndarray:
        return np.diff(self.bounds)

    def passages(self, node: int) -> slice:
        return slice(int(self.bounds[node]), int(self.bounds[node + 1]))

    def take(self, nodes: Sequence[int]) -> NodeSet:
        nodes = [int(n) for n in nodes]
        rows = [np.arange(self.bounds[n], self.bounds[n + 1]) for n in nodes]
        flat = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        arts = self.articles[flat]
        return NodeSet(
            self.vectors[nodes], [self.texts[n] for n in nodes], [self.stories[n] for n in nodes],
            self.pids[flat], arts, np.concatenate(([0], np.cumsum([len(r) for r in rows]))),
            {a: self.meta[a] for a in set(arts.tolist())}, self.homes[nodes],
        )  # fmt: skip

    @classmethod
    def merge(cls, sets: Sequence[NodeSet]) -> NodeSet:
        """The nodes of ``sets`` together, ordered by their first passage id (the order the
        single-machine path visits them in)."""
        joined = NodeSet(
            np.concatenate([s.vectors for s in sets]), [t for s in sets for t in s.texts],
            [x for s in sets for x in s.stories], np.concatenate([s.pids for s in sets]),
            np.concatenate([s.articles for s in sets]),
            np.concatenate([[0], np.cumsum(np.concatenate([s.weights() for s in sets]))]),
            {a: m for s in sets for a, m in s.meta.items()},
            np.concatenate([s.homes for s in sets]),
        )  # fmt: skip
        return joined.take(np.argsort(joined.gids(), kind="stable").tolist())


@dataclass
class CandidateTable:
    """Representatives of a partition's candidate clusters, as the driver merges them."""

    centroids: np.ndarray  # (c, d) unit centroids of the clusters' node vectors
    reps: list[str]  # text of the node nearest each centroid (the lexical half)
    stories: np.ndarray  # stories each cluster spans in its partition
    passages: np.ndarray
    medoids: np.ndarray  # passage id of each cluster's medoid


@dataclass(frozen=True)
class FinalCluster:
    """A template found on a worker: its sort key (as ``mine_clusters`` sorts: support, then
    member texts, then medoid text, whose first passage id orders it as its node index
    does) and its record without the template id."""

    key: tuple[int, int, int]
    record: dict


Members = dict[int, tuple[np.ndarray, np.ndarray]]  # local key -> (passage ids, scores)


@dataclass
class PartitionClusters:
    """A mined partition: its nodes and candidate clusters (node positions)."""

    nodes: NodeSet
    clusters: list[Cluster]

    def candidates(self) -> CandidateTable:
        v = self.nodes.vectors
        cents = np.zeros((len(self.clusters), v.shape[1]), dtype=np.float32)
        reps: list[str] = []
        for i, cl in enumerate(self.clusters):
            members = np.asarray(cl.members)
            c = v[members].mean(axis=0)
            cents[i] = c / max(float(np.linalg.norm(c)), 1e-12)
            reps.append(self.nodes.texts[int(members[np.argmax(v[members] @ cents[i])])])
        w = self.nodes.weights()
        return CandidateTable(
            cents, reps, np.asarray([c.stories for c in self.clusters], dtype=np.int64),
            np.asarray([int(w[list(c.members)].sum()) for c in self.clusters], dtype=np.int64),
            np.asarray([int(self.nodes.pids[self.nodes.bounds[c.medoid]])
                        for c in self.clusters], dtype=np.int64),
        )  # fmt: skip

    def finish(self, keep: Sequence[int], level: str) -> tuple[list[FinalCluster], Members]:
        """Templates of the candidates ``keep`` (not merged with another partition's)."""
        finals, members = [], {}
        for i in keep:
            final, pids, scores = finish_cluster(self.clusters[i], self.nodes, level)
            finals.append(final)
            members[len(finals) - 1] = (pids, scores)
        return finals, members

    def nodes_of(self, index: int) -> NodeSet:
        return self.nodes.take(self.clusters[index].members)


def finish_merged(
    parts: Sequence[NodeSet], level: str, min_support: int
) -> tuple[FinalCluster, np.ndarray, np.ndarray] | None:
    """The template of candidates merged across partitions (their nodes gathered here):
    medoid, member order and scores as ``_make_cluster`` gives them; None below
    ``min_support``."""
    nodes = NodeSet.merge(parts)
    profile = ProfileMatrix(nodes.texts)
    weights = nodes.weights().astype(np.float64)
    cl = _make_cluster(np.arange(len(nodes)), nodes.vectors, profile, nodes.stories, weights)
    if cl.stories < min_support:
        return None
    return finish_cluster(cl, nodes, level)


def finish_cluster(
    cl: Cluster, nodes: NodeSet, level: str
) -> tuple[FinalCluster, np.ndarray, np.ndarray]:
    """A node-level cluster as ``mine_store`` records it: members expanded to passages (each
    node's passages in id order, with the node's score), canonical text, slot form of the
    first 50 members, support, articles, sources and first/last dates."""
    rows = [nodes.passages(n) for n in cl.members]
    pids = np.concatenate([nodes.pids[r] for r in rows])
    scores = np.concatenate(
        [np.full(r.stop - r.start, s) for r, s in zip(rows, cl.scores, strict=True)]
    )
    sample: list[str] = []
    for node, r in zip(cl.members, rows, strict=True):
        sample.extend([nodes.texts[node]] * min(r.stop - r.start, 50 - len(sample)))
        if len(sample) >= 50:
            break
    canonical = nodes.texts[cl.medoid]
    arts = {nodes.meta[int(a)] for a in set(np.concatenate([nodes.articles[r] for r in rows]))}
    dates = sorted(d for _, d, _ in arts if d)
    record = {
        "level": level,
        "kind": "chrome" if is_chrome(canonical) else "formula",
        "text": canonical,
        "slot_form": slot_form(sample, canonical),
        "support": cl.stories,
        "articles": len(arts),
        "sources": sorted({s for _, _, s in arts if s}),
        "first_seen": dates[0] if dates else None,
        "last_seen": dates[-1] if dates else None,
    }
    key = (-cl.stories, -len(cl.members), int(pids[0]))  # nodes; the medoid's first passage
    return FinalCluster(key, record), pids, scores
