"""Driver-side input for ``--engine ray``: files → parallel read tasks → ordered batches.

Articles come back in ``read_articles`` order (so rowids match the single process), each
with its position in the input (share of bytes before it), which decides its shard.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..records import Article
from ._workers import read_group

READ_GROUP_BYTES = 8 << 20  # small files are read in groups of about this many bytes
READ_GROUP_FILES = 256
READ_DEFAULTS = {  # read_articles' defaults, passed explicitly to the read tasks
    "text_column": "text", "id_column": "id", "date_column": "date", "source_column": "source",
    "title_column": "title", "encoding": "utf-8", "on_error": "raise",
}  # fmt: skip


@dataclass
class Batch:
    position: float  # share of the input bytes before this batch, in [0, 1)
    articles: list[Article]
    skipped: list[str]


def input_files(paths: Iterable[str | Path], read_options: dict) -> list[tuple[str, str, int]]:
    """(file, default source, size) of every input file, in ``read_articles`` order."""
    from ..errors import InputError
    from ..ingest import expand_path, read_articles

    paths = [paths] if isinstance(paths, str | Path) else list(paths)
    if any(p == "-" for p in paths):
        raise InputError("--engine ray cannot read stdin; save it to a file and pass the file.")
    read_articles(paths, **read_options)  # validates paths and options eagerly, reads nothing
    return [(str(f), s, f.stat().st_size) for p in paths for f, s in expand_path(Path(p))]


def _read_groups(files: list[tuple[str, str, int]]) -> list[list[tuple[str, str, int]]]:
    groups: list[list[tuple[str, str, int]]] = []
    size = 0
    for item in files:
        if not groups or size + item[2] > READ_GROUP_BYTES or len(groups[-1]) >= READ_GROUP_FILES:
            groups.append([])
            size = 0
        groups[-1].append(item)
        size += item[2]
    return groups


def ordered_articles(
    ray: Any, files: list, options: dict, ahead: int
) -> Iterator[tuple[float, Article]]:
    """(input position in [0, 1), article) in input order, read by parallel Ray tasks."""
    read = ray.remote(num_cpus=0)(read_group)  # I/O bound; concurrency bounded by ``ahead``
    total = max(1, sum(f[2] for f in files))
    groups = _read_groups(files)
    pending: deque = deque()
    done = 0
    for group in groups:
        pending.append((group, read.remote([(f, s) for f, s, _ in group], options)))
        while len(pending) > ahead:
            done = yield from _drain_group(ray, pending.popleft(), done, total)
    while pending:
        done = yield from _drain_group(ray, pending.popleft(), done, total)


def _drain_group(ray: Any, entry: tuple, done: int, total: int) -> Iterator[tuple[float, Article]]:
    group, ref = entry
    for (_, _, size), arts in zip(group, ray.get(ref), strict=True):
        for j, art in enumerate(arts):
            yield (done + size * j / max(1, len(arts))) / total, art
        done += size
    return done


def batches(stream: Iterator[tuple[float, Article]], store: Any, size: int) -> Iterator[Batch]:
    """Batches of ``size`` articles as ``Corpus.add`` forms them, minus ids already stored
    (checked at dispatch) or in an earlier batch of this run."""
    batch: list[tuple[float, Article]] = []
    seen: set[str] = set()  # ids of this run; bounded by the run's article count

    def cut() -> Batch:
        known = store.existing_ids(a.id for _, a in batch)
        fresh: dict[str, Article] = {}
        skipped = []
        for _, a in batch:
            if a.id in known or a.id in seen or a.id in fresh:
                skipped.append(a.id)
            else:
                fresh[a.id] = a
        seen.update(fresh)
        return Batch(batch[0][0], list(fresh.values()), skipped)

    for item in stream:
        batch.append(item)
        if len(batch) >= size:
            yield cut()
            batch = []
    if batch:
        yield cut()
