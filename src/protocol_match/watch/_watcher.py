"""The ``watch`` loops: a folder (files as they appear, through watchfiles) or a stream of
JSON Lines (stdin), each article taken in by :class:`Arrivals` and its events emitted.

A folder is scanned once at start (files that arrived while nothing watched), then watched;
a file is read when its size has settled. Hidden files and ``*.tmp`` / ``*.part`` names are
ignored, so a writer that writes to a temporary name and renames is never read half-written.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from ..errors import InputError
from ..ingest import DATA_SUFFIXES, read_articles
from ..records import Article
from ._arrivals import Arrivals

log = logging.getLogger(__name__)

Emit = Callable[[dict[str, Any]], None]
Note = Callable[[str], None]
IGNORED_SUFFIXES = (".tmp", ".part", ".partial", ".swp", "~")
INPUT_SUFFIXES = (".txt", *DATA_SUFFIXES)


def wanted(path: Path) -> bool:
    """Whether a file in the watched folder is an input: a ``.txt``, ``.jsonl`` or ``.csv``
    file, not hidden, not a temporary name."""
    name = path.name
    if name.startswith(".") or name.endswith(IGNORED_SUFFIXES):
        return False
    return path.suffix.lower() in INPUT_SUFFIXES


class FolderWatch:
    """Watch ``folder`` and take in every article that appears in it."""

    def __init__(
        self,
        arrivals: Arrivals,
        folder: Path,
        emit: Emit,
        note: Note | None = None,
        read_options: dict[str, Any] | None = None,
    ) -> None:
        self.arrivals = arrivals
        self.folder = Path(folder)
        self.emit = emit
        self.note = note or (lambda _msg: None)
        self.read_options = read_options or {}
        self.seen: dict[Path, tuple[int, int]] = {}  # path -> (mtime_ns, size) taken in
        self.stop = threading.Event()

    def run(self, *, timeout_s: float | None = None) -> None:
        """Scan, then watch until :attr:`stop` is set (or ``timeout_s`` passed)."""
        from watchfiles import watch

        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        deliver(self.arrivals, self.arrivals.undelivered(), self.emit)
        self.take_files(self._scan(), settle=False)
        rescanned = False
        for changes in watch(
            self.folder,
            step=50,
            debounce=400,
            rust_timeout=500,
            yield_on_timeout=True,
            stop_event=self.stop,
            recursive=True,
        ):
            paths = sorted({Path(p) for _c, p in changes})
            if not rescanned:  # files written between the scan and the watcher's start
                paths = sorted(set(paths) | set(self._scan()))
                rescanned = True
            self.take_files(p for p in paths if wanted(p))
            if not changes:  # quiet: catch up on the index files, mine when due
                self.arrivals.save()
                self.arrivals.mine_if_due(self.note)
            if deadline is not None and time.monotonic() > deadline:
                break
        self.arrivals.save()

    def _scan(self) -> list[Path]:
        files = [p for p in self.folder.rglob("*") if p.is_file() and wanted(p)]
        return sorted(files, key=lambda p: (_mtime(p), str(p)))

    def take_files(self, paths: Iterable[Path], *, settle: bool = True) -> None:
        """Read and take in the articles of ``paths`` not taken in before in this state."""
        for path in paths:
            if self.stop.is_set():
                return
            if self.seen.get(path) == _state(path):
                continue
            state = _settled(path, self.arrivals.settings.settle_s if settle else 0.0)
            if state is None:
                continue
            try:
                articles = list(read_articles([path], **self.read_options))
            except InputError as exc:
                self.note(f"skipped {path}: {exc}")
                self.seen[path] = state
                continue
            for article in articles:
                deliver(self.arrivals, self.arrivals.take(article), self.emit)
            self.seen[path] = state


def watch_stream(arrivals: Arrivals, stream: TextIO, emit: Emit, note: Note | None = None) -> int:
    """Take in one JSON object per line of ``stream`` (the JSONL fields of ``index``) until
    it ends; returns the number of lines taken. A bad line is noted and skipped."""
    note = note or (lambda _msg: None)
    deliver(arrivals, arrivals.undelivered(), emit)
    taken = 0
    for no, line in enumerate(_lines(stream), start=1):
        if not line.strip():
            continue
        try:
            article = _row_article(line, no)
        except InputError as exc:
            note(f"skipped line {no}: {exc}")
            continue
        deliver(arrivals, arrivals.take(article), emit)
        taken += 1
        arrivals.save(older_than_s=2.0)
        arrivals.mine_if_due(note)
    arrivals.save()
    return taken


def _lines(stream: TextIO) -> Iterator[str]:
    while True:
        line = stream.readline()
        if not line:
            return
        yield line


def _row_article(line: str, no: int) -> Article:
    import io

    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise InputError("expected a JSON object with a text field")
    found = list(read_articles(["-"], stdin=io.StringIO(line)))
    if len(found) != 1:
        raise InputError("expected one article")
    art = found[0]
    return Article(art.id, art.text, art.date, art.source, art.title, f"<stdin>:{no}")


def deliver(arrivals: Arrivals, events: list[dict[str, Any]], emit: Emit) -> None:
    """Emit the events ``arrivals`` wants printed, then mark them all delivered."""
    if not events:
        return
    for event in events:
        if arrivals.wants(event):
            emit(event)
    arrivals.delivered(events)


def _state(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _settled(path: Path, settle_s: float) -> tuple[int, int] | None:
    """(mtime_ns, size) of a file whose size stays the same for ``settle_s``; None when it
    is gone, empty or still growing."""
    try:
        first = path.stat()
        if settle_s > 0:
            time.sleep(settle_s)
        second = path.stat()
    except OSError:
        return None
    if second.st_size == 0 or second.st_size != first.st_size:
        return None
    return second.st_mtime_ns, second.st_size
