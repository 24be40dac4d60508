"""FAISS, imported on first use, and how many OpenMP threads each call gets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Measured (100k x 384 flat, 2 cores): m=1 query 6.5 ms with 1 thread vs 40 ms with 2;
# m=32: 165 vs 175 ms; m=64: 332 vs 193 ms. OpenMP only pays off for bigger batches.
FLAT_SINGLE_THREAD_BELOW = 48
APPROX_SINGLE_THREAD_BELOW = 2

_DEFAULT_THREADS: int | None = None


def load_faiss() -> Any:
    """Import faiss lazily (it is slow to import and only needed once an index is touched)."""
    global _DEFAULT_THREADS
    import faiss

    if _DEFAULT_THREADS is None:
        _DEFAULT_THREADS = max(1, faiss.omp_get_max_threads())
    return faiss


def faiss_module() -> Any:
    """The faiss module (imported on first use) for the kNN graphs of ``mining``."""
    return load_faiss()


@contextmanager
def threads(n: int) -> Iterator[None]:
    """Run FAISS with ``n`` OpenMP threads, restoring the default afterwards."""
    faiss = load_faiss()
    assert _DEFAULT_THREADS is not None
    faiss.omp_set_num_threads(max(1, min(n, _DEFAULT_THREADS)))
    try:
        yield
    finally:
        faiss.omp_set_num_threads(_DEFAULT_THREADS)


def threads_for(kind: str, m: int) -> int:
    """Threads for a search of ``m`` queries: one for small batches (see above)."""
    below = FLAT_SINGLE_THREAD_BELOW if kind == "flat" else APPROX_SINGLE_THREAD_BELOW
    return 1 if m < below else (_DEFAULT_THREADS or 1)


def default_threads() -> int:
    """FAISS's own thread count (1 until faiss is loaded)."""
    return _DEFAULT_THREADS or 1
