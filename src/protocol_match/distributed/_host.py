"""The actor that holds some partitions of a level through the rounds of template mining.

Plain code (``_mine_engine`` wraps it with ``ray.remote``); the mining itself is
``protocol_match.mining``'s. Every method that hands objects to other hosts returns one
object per host (``num_returns``), which the driver passes on without reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..mining import (
    Candidates,
    CandidateTable,
    NodeSet,
    PartitionClusters,
    Partitioning,
    PassageBatch,
    cluster_component,
    components,
    finish_merged,
    guest_partitions,
    partition_knn,
    split_giant,
    top_edges,
)

Finished = tuple[list[Any], dict[int, tuple[np.ndarray, np.ndarray]]]  # (finals, members)


def _returns(values: Sequence[Any]) -> Any:
    return values[0] if len(values) == 1 else tuple(values)


def _by_key(bundles: Sequence[list[tuple[int, NodeSet]]]) -> dict[int, list[NodeSet]]:
    """The node sets sent by several hosts, by the component or group they belong to."""
    parts: dict[int, list[NodeSet]] = {}
    for bundle in bundles:
        for key, nodes in bundle:
            parts.setdefault(key, []).append(nodes)
    return parts


class PartitionHost:
    """Partitions ``p`` of one level (those the driver assigned to this host): their texts,
    guests, nearest-text candidates, components and, for giant components, clusters."""

    def __init__(self, level: str, threshold: float, min_support: int, dimension: int) -> None:
        self.start_level(level, threshold, min_support, dimension)

    def start_level(self, level: str, threshold: float, min_support: int, dimension: int) -> None:
        """Forget the last level's partitions; host ``level``'s."""
        self.level = level
        self.threshold = threshold
        self.min_support = min_support
        self.dimension = dimension
        self.home: dict[int, NodeSet] = {}
        self.guests: dict[int, list[NodeSet]] = {}
        self.found: dict[int, list[Candidates]] = {}
        self.labels: dict[int, np.ndarray] = {}
        self.giants: dict[tuple[int, int], PartitionClusters] = {}

    def load(self, p: int, *pieces: PassageBatch) -> int:
        """Take partition ``p``'s pieces; returns its number of distinct texts."""
        self.home[p] = NodeSet.of(PassageBatch.concat(pieces, self.dimension), home=p)
        self.guests[p] = []
        self.found[p] = []
        return len(self.home[p])

    def sample(self, per_partition: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(vectors, global ids, partitions) of up to ``per_partition`` texts of each of this
        host's partitions, for calibrating the guest margin."""
        vecs, gids, homes = [np.zeros((0, self.dimension), np.float32)], [], []
        for p, nodes in self.home.items():
            rng = np.random.default_rng(p)  # the same sample whichever host holds p
            rows = np.sort(rng.choice(len(nodes), min(per_partition, len(nodes)), replace=False))
            vecs.append(nodes.vectors[rows])
            gids.append(nodes.gids()[rows])
            homes.append(np.full(len(rows), p))
        cat = np.concatenate
        return cat(vecs), cat([np.zeros(0, np.int64), *gids]), cat([np.zeros(0, np.int64), *homes])

    def exact_near(
        self, vectors: np.ndarray, gids: np.ndarray, k: int, parts: Partitioning
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per partition of this host, the exact ``k`` nearest of its texts to each of
        ``vectors`` (not the same text): similarities, partition, and each neighbour's
        partition scores."""
        from ..store import faiss_module

        faiss = faiss_module()
        out = []
        for p, nodes in self.home.items():
            if not len(nodes):
                continue
            kk = min(k + 1, len(nodes))
            sims, pos = faiss.knn(vectors, nodes.vectors, kk, metric=faiss.METRIC_INNER_PRODUCT)
            sims = np.where(nodes.gids()[pos] == gids[:, None], -np.inf, sims)
            found = parts.scores(nodes.vectors[pos.ravel()]).reshape(*pos.shape, -1)
            out.append((sims, np.full(sims.shape, p), found))
        return out

    def send_guests(self, parts: Partitioning, margin: float, host_of: list[int]) -> Any:
        """Per host, the texts of this host's partitions that are guests of its partitions."""
        out: list[list[tuple[int, NodeSet]]] = [[] for _ in range(max(host_of) + 1)]
        for p, nodes in self.home.items():
            for q, rows in enumerate(guest_partitions(nodes.vectors, parts, p, margin)):
                if len(rows):
                    out[host_of[q]].append((q, nodes.take(rows.tolist())))
        return _returns(out)

    def add_guests(self, *bundles: list[tuple[int, NodeSet]]) -> int:
        for bundle in bundles:
            for q, nodes in bundle:
                self.guests[q].append(nodes)
        return sum(len(g) for gs in self.guests.values() for g in gs)

    def search(self, k: int, host_of: list[int]) -> Any:
        """Nearest texts within each partition (own texts and guests); per host, the
        candidates found for the guests that are its texts."""
        out: list[list[tuple[int, Candidates]]] = [[] for _ in range(max(host_of) + 1)]
        for p, nodes in self.home.items():
            full = NodeSet.merge([nodes, *self.guests.pop(p)]) if self.guests[p] else nodes
            found = partition_knn(full, k, self.threshold)
            for q in np.unique(full.homes).tolist():
                rows = np.flatnonzero(full.homes == q)
                if q == p:
                    self.found[p].append(found.take(rows))
                else:
                    out[host_of[q]].append((q, found.take(rows)))
        self.guests = {}
        return _returns(out)

    def link(self, k: int, *bundles: list[tuple[int, Candidates]]) -> dict:
        """Edges among each text's ``k`` nearest, components of each partition's texts; per
        partition, the edges leaving it: (own component, far partition, far text) and the
        sizes of the components they leave from."""
        for bundle in bundles:
            for p, found in bundle:
                self.found[p].append(found)
        out = {}
        for p, nodes in self.home.items():
            if not len(nodes):
                self.labels[p] = np.zeros(0, np.int64)
                continue
            src, dst, far = top_edges(self.found.pop(p), k)
            gids = nodes.gids()
            labels, cross = components(gids, src, dst)
            self.labels[p] = labels
            comp = labels[np.searchsorted(gids, src[cross])]
            sizes = np.bincount(labels)
            out[p] = (comp, far[cross], dst[cross], sizes[comp])
        return out

    def comp_of(self, queries: dict[int, np.ndarray]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Component (and its size) of the given texts of this host's partitions."""
        out = {}
        for p, gids in queries.items():
            labels = self.labels[p][np.searchsorted(self.home[p].gids(), gids)]
            out[p] = (labels, np.bincount(self.labels[p])[labels])
        return out

    def _comp_nodes(self, p: int) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.labels[p], kind="stable")
        bounds = np.searchsorted(self.labels[p][order], np.arange(self.labels[p].max() + 2))
        return order, bounds

    def process(self, plan: dict[int, dict], hosts: int) -> Any:
        """Templates of the components inside one partition; the texts of components
        gathered elsewhere (per host); giant components' candidates (per (partition, giant))."""
        finals: list[Any] = []
        members: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        bundles: list[list[tuple[int, NodeSet]]] = [[] for _ in range(hosts)]
        tables: dict[tuple[int, int], CandidateTable] = {}
        for p, nodes in self.home.items():
            gather = plan.get(p, {}).get("gather", {})
            giant = plan.get(p, {}).get("giant", {})
            if not len(nodes):
                continue
            order, bounds = self._comp_nodes(p)
            stories = np.asarray([len(s) for s in nodes.stories])
            shares: dict[int, list[np.ndarray]] = {}
            for c in range(len(bounds) - 1):
                rows = order[bounds[c] : bounds[c + 1]]
                if c in gather:
                    g, dest = gather[c]
                    bundles[dest].append((g, nodes.take(rows.tolist())))
                elif c in giant:
                    shares.setdefault(giant[c], []).append(rows)
                elif stories[rows].sum() >= self.min_support:
                    for final, pids, scores in cluster_component(
                        nodes.take(rows.tolist()), self.threshold, self.min_support, self.level
                    ):
                        finals.append(final)
                        members[len(finals) - 1] = (pids, scores)
            for g, parts in shares.items():
                rows = np.sort(np.concatenate(parts))
                state = split_giant(nodes.take(rows.tolist()), self.threshold)
                self.giants[(p, g)] = state
                tables[(p, g)] = state.candidates()
            del self.labels[p]
        self.home = {}
        return finals, members, tables, *bundles

    def gathered(self, *bundles: list[tuple[int, NodeSet]]) -> Finished:
        """Templates of the components gathered here from several partitions."""
        parts = _by_key(bundles)
        finals: list[Any] = []
        members = {}
        for g in sorted(parts):
            nodes = NodeSet.merge(parts.pop(g))
            for final, pids, scores in cluster_component(
                nodes, self.threshold, self.min_support, self.level
            ):
                finals.append(final)
                members[len(finals) - 1] = (pids, scores)
        return finals, members

    def finish_giants(self, plan: dict[tuple[int, int], tuple[list, list]], hosts: int) -> Any:
        """Templates of the giant candidates that stay their partition's; per host, the
        nodes of those merged with other partitions' (``plan``: keep, moves)."""
        finals: list[Any] = []
        members = {}
        bundles: list[list[tuple[int, NodeSet]]] = [[] for _ in range(hosts)]
        for key, (keep, moves) in plan.items():
            state = self.giants.pop(key)
            done, got = state.finish(keep, self.level)
            for i, final in enumerate(done):
                finals.append(final)
                members[len(finals) - 1] = got[i]
            for cand, group, dest in moves:
                bundles[dest].append((group, state.nodes_of(cand)))
        self.giants = {}
        return finals, members, *bundles

    def merged(self, *bundles: list[tuple[int, NodeSet]]) -> Finished:
        """Templates of giant candidates merged across partitions, gathered here."""
        parts = _by_key(bundles)
        finals: list[Any] = []
        members = {}
        for group in sorted(parts):
            done = finish_merged(parts.pop(group), self.level, self.min_support)
            if done is not None:
                finals.append(done[0])
                members[len(finals) - 1] = (done[1], done[2])
        return finals, members
