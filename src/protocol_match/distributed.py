"""Index and mine a corpus on a Ray cluster (the only module that imports ray).

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
  ``index-<level>.shard-<i>.faiss`` atomically (see ``shards.py`` for the layout).
* **Mining** — each shard is served by an actor; the kNN graph is built by querying the
  level's passages (in id order, so shard by shard) against every shard in parallel and
  merging the top-k on the driver (exact for flat shards); clustering then runs on the
  driver with the existing ``Corpus`` template code, so templates and supports are the
  ones a single machine finds.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .distributed_input import _READ_DEFAULTS, _articles, _Batch, _batches, _input_files
from .distributed_workers import EmbedWorker, ShardServer, _build_shard
from .errors import ProtocolMatchError
from .records import AddResult, Segmented, Template
from .store import LEVELS, ShardedIndex, ShardLayout

log = logging.getLogger(__name__)

INSTALL_HINT = 'pip install "protocol-match[ray]"'


class ClusterError(ProtocolMatchError):
    """Ray is missing, or the cluster cannot be reached or fails."""


@dataclass(frozen=True)
class RaySettings:
    """How to use the cluster.

    ``address``: None starts a local Ray instance on this machine; ``"auto"`` joins the
    cluster started with ``ray start`` on this machine; ``"ray://host:10001"`` connects a
    remote client. ``workers`` embedding actors of ``cpus_per_worker`` CPUs each (None: as
    many as the cluster's CPUs allow). ``shards``: new index shards (None: one per worker).
    ``init_options`` go to ``ray.init`` (e.g. ``num_cpus`` for a local instance).
    ``crash_once_marker`` is for fault tests only: the first embedding call creates that
    file and kills its worker process, so the batch must be retried on a restarted actor.
    """

    address: str | None = None
    workers: int | None = None
    cpus_per_worker: int = 1
    shards: int | None = None
    batch_size: int = 64
    max_restarts: int = 3
    init_options: Mapping[str, Any] = field(default_factory=dict)
    crash_once_marker: str | None = None

    def __post_init__(self) -> None:
        for name in ("workers", "shards"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if self.cpus_per_worker < 1 or self.batch_size < 1 or self.max_restarts < 0:
            raise ValueError("cpus_per_worker and batch_size must be >= 1, max_restarts >= 0")


@dataclass(frozen=True)
class RayAddResult:
    """What :func:`add_with_ray` did, with the figures the scaling benchmark needs."""

    result: AddResult
    workers: int
    shards: tuple[int, ...]  # numbers of the shards written by this run
    seconds: dict[str, float]  # wall: start (actors + model), embed, commit (of embed), build
    shard_bytes: dict[str, list[int]]  # level -> serialized size of each new shard
    worker_rss_mb: tuple[float, ...] = ()  # resident memory of each worker, model loaded


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ClusterError(f"--engine ray needs Ray: run `{INSTALL_HINT}`.") from exc
    return ray


@contextlib.contextmanager
def ray_session(settings: RaySettings) -> Iterator[Any]:
    """Connect to (or start) Ray for the duration of the block; yields the ray module.

    A session already initialized by the caller is used as is and left running.
    """
    ray = _ray()
    if ray.is_initialized():
        yield ray
        return
    try:
        ray.init(
            address=settings.address, log_to_driver=False, logging_level=logging.WARNING,
            **dict(settings.init_options),
        )  # fmt: skip
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = settings.address or "a local Ray instance"
        raise ClusterError(
            f"Cannot start or reach {where}: {exc}. Check --address (ray://HOST:10001 or auto)."
        ) from exc
    try:
        yield ray
    finally:
        ray.shutdown()


@contextlib.contextmanager
def _task_errors(ray: Any) -> Iterator[None]:
    """Re-raise our own errors from remote tasks as themselves (one-line CLI messages)."""
    try:
        yield
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, ProtocolMatchError | ValueError):
            raise cause from None
        raise ClusterError(f"a Ray task failed: {str(exc).splitlines()[0]}") from exc
    except ray.exceptions.RayError as exc:
        raise ClusterError(f"the Ray cluster failed: {str(exc).splitlines()[0]}") from exc


# ------------------------------------------------------------------ remote code


class RayShardedIndex(ShardedIndex):
    """A ShardedIndex whose shards are searched in parallel by :class:`ShardServer` actors."""

    def __init__(self, local: ShardedIndex, servers: list[Any], ray: Any) -> None:
        super().__init__(local.shards)
        self._servers = servers
        self._ray = ray

    def _search_all(self, queries: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
        ref = self._ray.put(queries)
        return self._ray.get([s.search.remote(ref, k) for s in self._servers])


# ------------------------------------------------------------------ indexing


class _ShardWriter:
    """Commits batches in order (the single SQLite writer) and cuts the new rows into shards."""

    def __init__(self, ray: Any, corpus: Any, n_shards: int) -> None:
        self._ray = ray
        self._store = corpus.store
        self._n = n_shards
        self._plan = -1  # planned new shard (0..n-1) of the rows being accumulated
        self._rows: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        self._builds: list[tuple[int, str, Any]] = []  # (shard number, level, build ref)
        self.totals: Counter = Counter()
        self.skipped_ids: list[str] = []
        self._layout: Any = None
        self._committed = False
        self.new_shards: list[int] = []

    def _existing_layout(self) -> Any:
        """The layout new shards are appended to; converts a plain store on first use."""
        store = self._store
        layout = store.shard_layout()
        top = store.max_article_rowid()
        if layout is None:  # a plain store's index files become shard 0 (if it holds anything)
            store.index_files_to_shard_zero(keep=bool(top))
            return ShardLayout((1,)) if top else None
        last = layout.range_of(layout.count - 1)
        if layout.bounds[-1] > top and store.count("article", rowids=last) == 0:
            # An empty last shard (a crash right after it was opened): reuse its number.
            return ShardLayout(layout.bounds[:-1]) if layout.count > 1 else None
        return layout

    def commit(self, batch: _Batch, result: tuple[list[Segmented], list[str], np.ndarray]) -> None:
        from .embed import article_vector, text_key

        store = self._store
        self.totals["skipped"] += len(batch.skipped)
        self.skipped_ids += batch.skipped
        plan = min(self._n - 1, int(batch.position * self._n))
        if plan != self._plan:
            self._open_shard(plan)
        segs, keys, mat = result
        vectors = dict(zip(keys, mat, strict=True))
        cached = store.vectors_for_keys(keys)  # what Corpus.add would take from the cache
        vectors.update(cached)
        items = []
        for seg in segs:
            doc_key = "doc:" + text_key(seg.article.text)
            vectors[doc_key] = article_vector(seg, vectors)
            items.append((seg, doc_key))
        before = store.max_article_rowid()
        self.totals["added"] += store.add(items, vectors)
        self.totals["passages"] += sum(len(s.passages) for s in segs)
        self.totals["embedded"] += len(keys) - len(cached)
        self.totals["cached"] += len(cached)
        if not self._committed:
            # Corpus.add rebuilds its index from SQLite at the first batch of a run (nothing
            # is cached in memory yet), so those rows hold the stored float16 vectors; later
            # batches append the vectors as computed. Same vectors here, same neighbours.
            vectors = store.vectors_for_keys(vectors)
        self._committed = True
        for level in ("paragraph", "sentence"):
            sel = [(pid, key) for pid, lvl, key in store.new_passages(before) if lvl == level]
            self._keep(level, sel, vectors)
        self._keep("article", store.new_articles(before), vectors)

    def _keep(self, level: str, rows: list[tuple[int, str]], vectors: dict) -> None:
        if rows:
            ids = np.asarray([r for r, _ in rows], dtype=np.int64)
            vecs = np.stack([vectors[k] for _, k in rows]).astype(np.float32)
            self._rows.setdefault(level, []).append((ids, vecs))

    def _open_shard(self, plan: int) -> None:
        self._close_shard()
        if not self.new_shards:
            self._layout = self._existing_layout()
        first = self._store.max_article_rowid() + 1
        self._layout = (
            ShardLayout((first,)) if self._layout is None else self._layout.with_shard(first)
        )
        # Recorded before the shard's first commit: a crash leaves an empty, consistent shard.
        self._store.set_meta("shards", self._layout.to_json())
        self._plan = plan
        self.new_shards.append(self._layout.count - 1)

    def _close_shard(self) -> None:
        """Send the finished shard's vectors to build tasks (they run when CPUs free up)."""
        if not self.new_shards:
            return
        build = self._ray.remote(num_cpus=1, max_retries=3)(_build_shard)
        kind, dim = self._store.meta.index_kind, self._store.meta.dimension
        for level in LEVELS:
            parts = self._rows.pop(level, [])
            ids = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
            vecs = (
                np.concatenate([p[1] for p in parts]) if parts else np.zeros((0, dim), np.float32)
            )
            ref = build.remote(vecs, ids, kind, dim)
            self._builds.append((self.new_shards[-1], level, ref))

    def finish(self) -> dict[str, list[int]]:
        """Close the last shard, write every built shard file; returns their sizes by level."""
        self._close_shard()
        sizes: dict[str, list[int]] = {}
        for shard, level, ref in self._builds:
            data = self._ray.get(ref)
            self._store.write_shard_file(level, shard, data)
            sizes.setdefault(level, []).append(len(data))
        self._builds.clear()
        for level in LEVELS:
            self._store.forget_index(level)
        return sizes


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
    from .embed import BUNDLED_MODEL_NAME

    read_options = {**_READ_DEFAULTS, **read_options}
    files = _input_files(paths, read_options)
    store = corpus.store
    recorded = store.meta.model.split("+")[0]  # as Corpus.embedder: fast backends add "+kind"
    model = corpus.requested_model or (None if recorded == BUNDLED_MODEL_NAME else recorded)
    started = time.perf_counter()
    seconds: dict[str, float] = {}
    with ray_session(settings) as ray, store.write_lock(wait=wait), _task_errors(ray):
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
            writer = _ShardWriter(ray, corpus, settings.shards or workers)
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

            stream = _articles(ray, files, read_options, ahead=2 * workers)
            for batch in _batches(stream, store, settings.batch_size):
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
    with ray_session(settings) as ray, _task_errors(ray):
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
