"""Index and mine a corpus on a Ray cluster: the driver's side of ``--engine ray``.

Division of work, chosen so the result equals the single-process path:

* **Reading** — Ray tasks read the input files (a group of small files, or one JSONL/CSV,
  per task) in parallel; the driver consumes their results *in input order*, so articles
  get the same rowids and passage ids as ``Corpus.add`` would give them. Inputs must be
  visible to the workers under the same paths (a shared or replicated file system).
* **Segmenting + embedding** — a pool of embedding actors, each loading the model once,
  segments a batch of articles and embeds its distinct passage texts. Actors restart and
  retry the batch when their process dies (``max_restarts`` / ``max_task_retries``).
* **Writing** — the driver is the single SQLite writer: batches are committed in order, one
  transaction each, exactly like ``Corpus.add`` (same skip rule for ids already stored or in
  flight, same cache rule: a text already stored uses its stored vector). New articles are
  split into ``shards`` contiguous rowid ranges (by input bytes); when a shard is complete
  its vectors go to a Ray task that builds its FAISS index, and the driver writes
  ``index-<level>.shard-<i>.faiss`` atomically (the layout: ``protocol_match.store._shards``).
* **Mining** — each shard is served by an actor; the kNN graph is built by querying the
  level's passages (in id order, so shard by shard) against every shard in parallel and
  merging the top-k on the driver (exact for flat shards); clustering then runs on the
  driver with the existing ``Corpus`` template code, so templates and supports are the
  ones a single machine finds.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..records import AddResult, Template
from ..store import LEVELS, ShardedIndex
from ._input import READ_DEFAULTS, batches, input_files, ordered_articles
from ._session import RayAddResult, RaySettings, ray_session, task_errors
from ._workers import EmbedWorker, ShardServer
from ._writer import ShardWriter

log = logging.getLogger(__name__)

# ------------------------------------------------------------------ remote code


class RayShardedIndex(ShardedIndex):
    """A ShardedIndex whose shards are searched in parallel by :class:`ShardServer` actors."""

    def __init__(self, local: ShardedIndex, servers: list[Any], ray: Any) -> None:
        super().__init__(local.shards)
        self._servers = servers
        self._ray = ray

    def search_shards(self, queries: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
        ref = self._ray.put(queries)
        return self._ray.get([s.search.remote(ref, k) for s in self._servers])


# ------------------------------------------------------------------ indexing


def add_with_ray(
    corpus: Any,
    paths: Iterable[str | Path],
    settings: RaySettings,
    *,
    progress: Any = None,
    wait: bool = True,
    **read_options: Any,
) -> RayAddResult:
    """Index files into ``corpus`` on Ray (see the module docstring); the store ends up
    sharded. ``progress(stage, n, total)`` is called after each committed batch."""
    from ..embed import BUNDLED_MODEL_NAME

    read_options = {**READ_DEFAULTS, **read_options}
    files = input_files(paths, read_options)
    store = corpus.store
    recorded = store.meta.model.split("+")[0]  # as Corpus.embedder: fast backends add "+kind"
    model = corpus.requested_model or (None if recorded == BUNDLED_MODEL_NAME else recorded)
    started = time.perf_counter()
    seconds: dict[str, float] = {}
    with ray_session(settings) as ray, store.write_lock(wait=wait), task_errors(ray):
        cpus = int(ray.cluster_resources().get("CPU", 1))
        workers = settings.workers or max(1, cpus // settings.cpus_per_worker)
        actor = ray.remote(
            num_cpus=settings.cpus_per_worker,
            max_restarts=settings.max_restarts,
            max_task_retries=settings.max_restarts,
        )(EmbedWorker)
        crash = settings.crash_once_marker
        actors = [
            actor.remote(
                model, store.meta.backend, store.meta.fingerprint, settings.cpus_per_worker, crash
            )
            for _ in range(workers)
        ]
        try:
            ray.get([a.ready.remote() for a in actors])  # model loaded everywhere
            worker_mb = ray.get([a.rss_mb.remote() for a in actors])
            seconds["start"] = time.perf_counter() - started
            writer = ShardWriter(ray, corpus, settings.shards or workers)
            inflight: deque = deque()
            load = [0] * workers

            def commit_oldest() -> None:
                batch, ref, who = inflight.popleft()
                result = ray.get(ref)
                mark = time.perf_counter()
                writer.commit(batch, result)
                seconds["commit"] = seconds.get("commit", 0.0) + time.perf_counter() - mark
                load[who] -= 1
                if progress:
                    progress("index", len(batch.articles) + len(batch.skipped), 0)

            stream = ordered_articles(ray, files, read_options, ahead=2 * workers)
            for batch in batches(stream, store, settings.batch_size):
                if not batch.articles:
                    writer.totals["skipped"] += len(batch.skipped)
                    writer.skipped_ids += batch.skipped
                    continue
                who = min(range(workers), key=load.__getitem__)
                inflight.append((batch, actors[who].embed.remote(batch.articles), who))
                load[who] += 1
                while len(inflight) > 2 * workers:
                    commit_oldest()
            while inflight:
                commit_oldest()
            seconds["embed"] = time.perf_counter() - started - seconds["start"]
        finally:
            for a in actors:
                ray.kill(a)  # frees their CPUs for the shard builds
        mark = time.perf_counter()
        sizes = writer.finish()
        seconds["build"] = time.perf_counter() - mark
    corpus.forget_templates()
    seconds["total"] = time.perf_counter() - started
    t = writer.totals
    result = AddResult(
        t["added"], t["skipped"], t["passages"], t["embedded"], t["cached"],
        tuple(writer.skipped_ids),
    )  # fmt: skip
    log.info("ray index: %s in %.1fs with %d workers", result, seconds["total"], workers)
    return RayAddResult(result, workers, tuple(writer.new_shards), seconds, sizes, tuple(worker_mb))


# ------------------------------------------------------------------ mining


def mine_with_ray(
    corpus: Any,
    settings: RaySettings,
    *,
    min_support: int | None = None,
    threshold: float | None = None,
) -> list[Template]:
    """Mine templates (and duplicate groups) with every shard searched by a Ray actor.

    The kNN graphs are merged from the shards' top-k on the driver and clustered there by
    the same code as ``Corpus.templates``, so the templates are the single-machine ones.
    """
    store = corpus.store
    with ray_session(settings) as ray, task_errors(ray):
        cpus = float(ray.cluster_resources().get("CPU", 1))
        servers: list[Any] = []
        local = {level: store.index(level) for level in LEVELS}
        n_servers = sum(len(i.shards) for i in local.values() if isinstance(i, ShardedIndex))
        # All servers must fit at once (they are alive together): share the CPUs out.
        actor = ray.remote(num_cpus=min(1.0, cpus / max(1, n_servers)), max_restarts=0)(ShardServer)
        try:
            for level, idx in local.items():
                if not isinstance(idx, ShardedIndex):
                    continue
                level_servers = [
                    actor.remote(ray.put(store.shard_file_bytes(level, i)))
                    for i in range(len(idx.shards))
                ]
                servers += level_servers
                store.cache_index(level, RayShardedIndex(idx, level_servers, ray))
            return corpus.templates(min_support, threshold, refresh=True)
        finally:
            for level, idx in local.items():
                store.cache_index(level, idx)
            for s in servers:
                ray.kill(s)


def index_with_ray(
    corpus: Any,
    paths: Iterable[str | Path],
    settings: RaySettings,
    *,
    mine: bool = True,
    min_support: int | None = None,
    progress: Any = None,
    wait: bool = True,
    **read_options: Any,
) -> tuple[AddResult, list[Template] | None]:
    """``protocol-match index --engine ray``: add on the cluster, then mine there, in one
    Ray session. Returns the add summary and the mined templates (None when not mined)."""
    with ray_session(settings):
        added = add_with_ray(corpus, paths, settings, progress=progress, wait=wait, **read_options)
        mined = None
        if mine and added.result.added:
            mined = mine_with_ray(corpus, settings, min_support=min_support)
    return added.result, mined
