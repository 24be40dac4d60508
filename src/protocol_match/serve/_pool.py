"""Who uses the store: threads for the light requests (lists, search, templates, events),
each with its own ``Corpus`` (SQLite connections belong to the thread that opened them),
and compute processes for the heavy ones (``_jobs``: comparing, fitting, review), each
with its own ``Corpus``, so a compare in progress never holds a list behind Python's lock.

A job is a function of the corpus; requests await it. ``auto_mine`` is off everywhere:
pages use the templates of the last mining and never mine on a request (the templates page
offers to mine again). When the app is idle, a background job compares the newest articles
that have no summary yet, so the article list fills its novelty column.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
IDLE_S = 1.5  # no request for this long: the background fill may run


class CorpusPool:
    """``workers`` threads, each with its own ``Corpus`` on the store at ``path``."""

    def __init__(self, path: Path, workers: int = 2) -> None:
        self.path = Path(path)
        self._jobs: queue.Queue = queue.Queue()
        self._busy = 0
        self._lock = threading.Lock()
        self.last_request = 0.0
        self._opened = threading.Semaphore(0)
        self._failure: BaseException | None = None
        self._threads = [
            threading.Thread(target=self._work, name=f"pm-store-{i}", daemon=True)
            for i in range(workers)
        ]
        for t in self._threads:
            t.start()
        for _ in self._threads:
            self._opened.acquire()
        if self._failure is not None:
            self.close()
            raise self._failure

    def _work(self) -> None:
        from ..corpus import Corpus

        try:
            corpus = Corpus.open(self.path)
        except BaseException as exc:  # reported by the constructor
            self._failure = exc
            self._opened.release()
            return
        corpus.auto_mine = False
        self._opened.release()
        try:
            while True:
                job = self._jobs.get()
                if job is None:
                    return
                fn, future = job
                if not future.set_running_or_notify_cancel():
                    continue
                with self._lock:
                    self._busy += 1
                try:
                    future.set_result(fn(corpus))
                except BaseException as exc:
                    future.set_exception(exc)
                finally:
                    with self._lock:
                        self._busy -= 1
        finally:
            corpus.close()

    def submit(self, fn: Callable[[Any], T]) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._jobs.put((fn, future))
        return future

    async def call(self, fn: Callable[[Any], T]) -> T:
        """Run ``fn(corpus)`` on a worker and wait for it without blocking the event loop."""
        self.last_request = time.monotonic()
        try:
            return await asyncio.wrap_future(self.submit(fn))
        finally:
            self.last_request = time.monotonic()

    def idle(self) -> bool:
        with self._lock:
            busy = self._busy
        return busy == 0 and self._jobs.empty() and time.monotonic() - self.last_request > IDLE_S

    def close(self) -> None:
        for t in self._threads:
            if t.is_alive():
                self._jobs.put(None)
        for t in self._threads:
            t.join(timeout=10)


_CHILD: dict[str, Any] = {}  # the compute process's corpus


def _child_init(path: str) -> None:
    import signal

    from ..corpus import Corpus

    # Ctrl-C and a group-wide SIGTERM stop the app, which then shuts its compute processes
    # down in order; a compute process whose app died exits when its queue closes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    corpus = Corpus.open(path)
    corpus.auto_mine = False
    _CHILD["corpus"] = corpus


def _child_run(fn: Callable[..., T], args: tuple) -> T:
    return fn(_CHILD["corpus"], *args)


class Workers:
    """Light jobs on ``threads`` threads, heavy ones on ``processes`` compute processes (on
    the threads when 0: tests, small stores)."""

    def __init__(self, path: Path, threads: int = 1, processes: int = 2) -> None:
        self.light = CorpusPool(path, threads)
        self.heavy: concurrent.futures.ProcessPoolExecutor | None = None
        self._in_flight = 0
        if processes > 0:
            self.heavy = concurrent.futures.ProcessPoolExecutor(
                processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_child_init,
                initargs=(str(path),),
            )

    def submit(self, fn: Callable[..., T], *args: Any, heavy: bool = False) -> Any:
        """Run ``fn(corpus, *args)``; returns a ``concurrent.futures.Future``."""
        if heavy and self.heavy is not None:
            future = self.heavy.submit(_child_run, fn, args)
            self._in_flight += 1
            future.add_done_callback(self._done)
            return future
        return self.light.submit(lambda corpus: fn(corpus, *args))

    def _done(self, _future: Any) -> None:
        self._in_flight -= 1

    async def call(self, fn: Callable[..., T], *args: Any, heavy: bool = False) -> T:
        """:meth:`submit`, awaited without blocking the event loop."""
        self.light.last_request = time.monotonic()
        try:
            return await asyncio.wrap_future(self.submit(fn, *args, heavy=heavy))
        finally:
            self.light.last_request = time.monotonic()

    def idle(self) -> bool:
        return self._in_flight == 0 and self.light.idle()

    def close(self) -> None:
        if self.heavy is not None:
            self.heavy.shutdown(wait=True, cancel_futures=True)
        self.light.close()


class Backfill:
    """Compares, while the app is idle, the newest articles without a summary."""

    def __init__(self, pool: Workers, job: Callable[[Any], bool]) -> None:
        self.pool = pool
        self.job = job  # corpus -> whether there may be more to do
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="pm-backfill", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            if not self.pool.idle():
                continue
            try:
                more = self.pool.submit(self.job, heavy=True).result()
            except concurrent.futures.BrokenExecutor:
                return  # the app is stopping
            except Exception as exc:  # keep serving; the list just lacks a figure
                log.warning("background compare failed: %s", exc)
                more = True
            if not more:
                if self.stop.wait(30):
                    return
