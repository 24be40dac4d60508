"""The threads that use the store: each opens its own ``Corpus`` (SQLite connections and
FAISS indexes belong to the thread that opened them) and takes jobs from one queue.

A job is a function of the corpus; requests await it. ``auto_mine`` is off in every
worker: pages use the templates of the last mining and never mine on a request (the
templates page offers to mine again). When the app is idle, a background job compares the
newest articles that have no summary yet, so the article list fills its novelty column.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
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


class Backfill:
    """Compares, while the app is idle, the newest articles without a summary."""

    def __init__(self, pool: CorpusPool, job: Callable[[Any], bool]) -> None:
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
                more = self.pool.submit(self.job).result()
            except Exception as exc:  # keep serving; the list just lacks a figure
                log.warning("background compare failed: %s", exc)
                more = True
            if not more:
                if self.stop.wait(30):
                    return
