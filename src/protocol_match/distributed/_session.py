"""The Ray session: settings, connecting to (or starting) a cluster, and its errors."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ProtocolMatchError
from ..records import AddResult, DuplicateGroup

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
    Mining: a level is cut into ``ceil(passages / mine_partition)`` partitions (k-means
    cells; a worker's memory grows with this), read from SQLite ``mine_chunk`` passages at a
    time by the driver. A text is also searched in the partitions whose centroid is within
    ``mine_margin`` of its own (None: calibrated so a sample finds 99% of its exact nearest
    texts; all partitions below ``mine_exact_below`` distinct texts, where the single
    machine's graph is exact too). A component of the graph spanning partitions is
    clustered on one worker up to ``mine_gather`` texts; a bigger one in partition shares
    merged by their clusters' representatives.
    """

    address: str | None = None
    workers: int | None = None
    cpus_per_worker: int = 1
    shards: int | None = None
    batch_size: int = 64
    max_restarts: int = 3
    init_options: Mapping[str, Any] = field(default_factory=dict)
    crash_once_marker: str | None = None
    mine_partition: int = 250_000
    mine_chunk: int = 50_000
    mine_gather: int = 250_000
    mine_margin: float | None = None
    mine_exact_below: int = 20_000

    def __post_init__(self) -> None:
        for name in ("workers", "shards"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if self.cpus_per_worker < 1 or self.batch_size < 1 or self.max_restarts < 0:
            raise ValueError("cpus_per_worker and batch_size must be >= 1, max_restarts >= 0")
        if self.mine_margin is not None and self.mine_margin < 0:
            raise ValueError("mine_margin must be >= 0 (or None: calibrated)")
        if min(self.mine_partition, self.mine_chunk, self.mine_gather) < 1:
            raise ValueError("mine_partition, mine_chunk and mine_gather must be at least 1")


@dataclass(frozen=True)
class RayAddResult:
    """What :func:`add_with_ray` did, with the figures the scaling benchmark needs."""

    result: AddResult
    workers: int
    shards: tuple[int, ...]  # numbers of the shards written by this run
    seconds: dict[str, float]  # wall: start (actors + model), embed, commit (of embed), build
    shard_bytes: dict[str, list[int]]  # level -> serialized size of each new shard
    worker_rss_mb: tuple[float, ...] = ()  # resident memory of each worker, model loaded


@dataclass(frozen=True)
class RayMineResult:
    """What :func:`mine_on_ray` did: how many templates it saved, the duplicate groups, and
    the figures the scaling benchmark needs."""

    templates: int
    groups: list[DuplicateGroup]
    workers: int
    seconds: dict[str, float]  # duplicates, sentence, paragraph, save, total
    stats: dict[str, Any]  # per level: passages, partitions, candidates, merged, templates


def load_ray() -> Any:
    """The ray module, imported here only (a plain ``index`` never loads it)."""
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
    ray = load_ray()
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
def task_errors(ray: Any) -> Iterator[None]:
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
