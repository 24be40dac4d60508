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
* **Mining** — duplicate groups by :class:`DocShard` and :class:`KeyTable` actors
  (``_dup_engine``), then each level cut into k-means partitions mined by tasks, their
  candidate clusters merged by representatives on the driver and finished on workers
  (``_mine_engine``); the driver streams the store and never holds a level's vectors or
  texts. Vectors come from SQLite (as the single machine reads them), not from the shard
  indexes, which may be IVF-SQ8 and lossy. ``RayShardedIndex`` (shards searched by
  :class:`ShardServer` actors) remains for callers that search a sharded store in parallel.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..records import AddResult, DuplicateGroup, Template
from ..store import ShardedIndex
from ._dup_engine import find_duplicates_on_ray, start_workers
from ._input import READ_DEFAULTS, batches, input_files, ordered_articles
from ._mine_engine import mine_level
from ._session import RayAddResult, RayMineResult, RaySettings, ray_session, task_errors
from ._workers import EmbedWorker
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


def mine_on_ray(
    corpus: Any,
    settings: RaySettings,
    *,
    min_support: int | None = None,
    threshold: float | None = None,
) -> RayMineResult:
    """Mine the templates and duplicate groups of ``corpus``'s store on the cluster and save
    them as ``Corpus.templates`` does (see ``_mine_engine`` and ``_dup_engine``).

    The driver streams the store in chunks and holds only cross-partition edges, giant
    components' cluster representatives, gram counts, duplicate pairs and the finished
    templates' records (read ``corpus.templates()`` for them with their members). Below
    ``mine_exact_below`` distinct texts per level the templates are the single machine's.
    """
    from ..embed import text_key

    store = corpus.store
    params = corpus.params(min_support, threshold)
    if params["min_support"] < 2:
        raise ValueError("min_support must be at least 2")
    seconds: dict[str, float] = {}
    stats: dict[str, Any] = {}
    started = time.perf_counter()
    with ray_session(settings) as ray, store.write_lock(wait=True), task_errors(ray):
        cpus = int(ray.cluster_resources().get("CPU", 1))
        workers = settings.workers or max(1, cpus // settings.cpus_per_worker)
        actors = start_workers(ray, workers, store.meta.dimension)
        dup_stats: dict[str, Any] = {}
        groups = find_duplicates_on_ray(ray, store, actors, stats=dup_stats)
        stats["duplicates"] = dup_stats
        seconds["duplicates"] = time.perf_counter() - started
        members = [a for g in groups for a in g.articles]
        rowid_of = store.article_rowids(members)
        heads = {a: rowid_of[g.articles[0]] for g in groups for a in g.articles}
        templates: list[dict] = []
        wanted: dict[Any, dict[int, int]] = {}  # member ref -> {index in its result: tid}
        seen: set[str] = set()
        grams = {}
        for level in ("sentence", "paragraph"):
            mark = time.perf_counter()
            out = mine_level(ray, store, level, heads, params, settings, actors, stats)
            grams[level] = out.grams
            for final, src, i in sorted(out.finals, key=lambda f: f[0].key):
                key = text_key(final.record["text"])
                if key in seen:
                    continue  # a one-sentence paragraph already reported at sentence level
                seen.add(key)
                templates.append({"id": len(templates) + 1, **final.record})
                wanted.setdefault(out.member_refs[src], {})[i] = len(templates)
            seconds[level] = time.perf_counter() - mark

        def member_rows() -> Iterator[tuple[int, int, float]]:
            for ref, tids in wanted.items():  # one task's members in memory at a time
                found = ray.get(ref)
                for i, tid in tids.items():
                    pids, scores = found[i]
                    yield from ((tid, p, s) for p, s in zip(pids.tolist(), scores.tolist(),
                                                             strict=True))  # fmt: skip

        mark = time.perf_counter()
        stories = {a: g.articles[0] for g in groups for a in g.articles}
        store.save_templates(templates, member_rows(), stories, params, grams)  # type: ignore[arg-type]
        for actor in actors:
            ray.kill(actor)
        seconds["save"] = time.perf_counter() - mark
    corpus.forget_templates()
    seconds["total"] = time.perf_counter() - started
    log.info("ray mining: %d templates in %.1fs with %d workers", len(templates),
             seconds["total"], workers)  # fmt: skip
    return RayMineResult(len(templates), groups, workers, seconds, stats)


def mine_with_ray(
    corpus: Any,
    settings: RaySettings,
    *,
    min_support: int | None = None,
    threshold: float | None = None,
) -> list[Template]:
    """Mine templates (and the duplicate groups they count stories in) on the cluster; the
    templates as :func:`mine_on_ray` saved them, read back with their members (as
    ``Corpus.templates`` returns them: that read holds every member's text)."""
    mine_on_ray(corpus, settings, min_support=min_support, threshold=threshold)
    return corpus.templates(min_support, threshold)


def duplicates_with_ray(
    corpus: Any, settings: RaySettings, threshold: float | None = None, *, k: int = 10
) -> list[DuplicateGroup]:
    """``Corpus.duplicates`` on the cluster: the same groups (see ``_dup_engine``)."""
    from ..mining import DEFAULT_DUPLICATE_THRESHOLD

    with ray_session(settings) as ray, task_errors(ray):
        cpus = int(ray.cluster_resources().get("CPU", 1))
        workers = settings.workers or max(1, cpus // settings.cpus_per_worker)
        actors = start_workers(ray, workers, corpus.store.meta.dimension)
        try:
            return find_duplicates_on_ray(
                ray, corpus.store, actors, threshold or DEFAULT_DUPLICATE_THRESHOLD, k=k
            )
        finally:
            for actor in actors:
                ray.kill(actor)


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
