"""Vector index: a thin typed wrapper over FAISS (the only module that imports faiss).

Vectors are L2-normalized float32 embeddings, so inner product equals cosine similarity.
Ids are int64 and are the store's passage ids (non-negative; -1 pads missing results).

Kinds (all exact inner product on float32 except where noted):

- ``flat``: ``IndexIDMap2(IndexFlatIP)``, exact brute force.
- ``hnsw``: ``IndexIDMap2(IndexHNSWFlat)``, M=32, efConstruction=80; efSearch calibrated
  at build time. ``remove`` rebuilds the graph (HNSW cannot delete in place).
- ``ivf``: ``IndexIVFFlat`` with its own ids; nlist ~ 4*sqrt(n); nprobe calibrated.
- ``ivf-sq8``: ``IndexIVFScalarQuantizer`` (8 bits per dimension, 4x smaller than float32).

Calibration: approximate kinds pick the smallest search parameter (nprobe / efSearch) whose
recall@10 against brute force, on a sample of the indexed vectors queried for their
neighbours (self excluded), reaches ``CALIBRATION_TARGET``. That measures the data actually
indexed rather than trusting a fixed constant, and costs a few seconds at 1M vectors.
The parameter is stored inside the FAISS file (FAISS serializes nprobe and efSearch).

File format: one file written by ``faiss.write_index``; the kind is inferred from the index
structure on load, so no sidecar is needed.

Numbers behind ``choose_kind`` (random-clustered 384-d stand-in vectors, 2 CPU cores;
``benchmarks/retrieval.py``, results in ``benchmarks/results/retrieval.json``) are in the
docstring of :func:`choose_kind`.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from protocol_match.errors import StoreError

log = logging.getLogger(__name__)

INDEX_KINDS = ("flat", "hnsw", "ivf", "ivf-sq8")

HNSW_M = 32
# efConstruction 40 (FAISS default) gave recall@10 of only 0.68-0.81 at 1M; 80 keeps the
# build affordable on 2 cores while calibrated efSearch reaches the recall target.
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_CANDIDATES = (32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024)
# efSearch 16 passed calibration on held-out points but gave recall 0.93 for near-duplicate
# queries (the common case for boilerplate), so the search starts at 32.
NPROBE_CANDIDATES = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 512)

IVF_MIN_VECTORS = 1000  # below this an IVF index is pointless: fall back to flat
IVF_MAX_NLIST = 1024  # k-means + assignment cost grow with nlist; 1024 keeps a 1M build < 1 min
IVF_MIN_POINTS_PER_LIST = 39  # FAISS warns (on stderr) below 39 training points per centroid
IVF_TRAIN_POINTS_PER_LIST = 50

CALIBRATION_TARGET = 0.97  # headroom over the 0.95 goal: the sample is a few hundred queries
CALIBRATION_QUERIES = 256

# Measured (100k x 384 flat, 2 cores): m=1 query 6.5 ms with 1 thread vs 40 ms with 2;
# m=32: 165 vs 175 ms; m=64: 332 vs 193 ms. OpenMP only pays off for bigger batches.
FLAT_SINGLE_THREAD_BELOW = 48
APPROX_SINGLE_THREAD_BELOW = 2

_DEFAULT_THREADS: int | None = None
_CHUNK_ROWS = 65536  # rows per add/validation chunk, so no full-size temporary copy is made


def _faiss() -> Any:
    """Import faiss lazily (it is slow to import and only needed once an index is touched)."""
    global _DEFAULT_THREADS
    import faiss

    if _DEFAULT_THREADS is None:
        _DEFAULT_THREADS = max(1, faiss.omp_get_max_threads())
    return faiss


def faiss_module() -> Any:
    """The faiss module (imported on first use) for sibling modules such as ``knn``."""
    return _faiss()


@contextmanager
def _threads(n: int) -> Iterator[None]:
    """Run FAISS with ``n`` OpenMP threads, restoring the default afterwards."""
    faiss = _faiss()
    assert _DEFAULT_THREADS is not None
    faiss.omp_set_num_threads(max(1, min(n, _DEFAULT_THREADS)))
    try:
        yield
    finally:
        faiss.omp_set_num_threads(_DEFAULT_THREADS)


def _threads_for(kind: str, m: int) -> int:
    below = FLAT_SINGLE_THREAD_BELOW if kind == "flat" else APPROX_SINGLE_THREAD_BELOW
    return 1 if m < below else (_DEFAULT_THREADS or 1)


def choose_kind(n_vectors: int) -> str:
    """Pick an index kind for a corpus of ``n_vectors`` passages.

    Measured with ``benchmarks/retrieval.py`` (384-d random-clustered stand-in vectors,
    held-out queries, 2 shared CPU cores with load average 5-10 from other work, so
    absolute times are pessimistic; ``benchmarks/results/retrieval.json``)::

        size  kind     build s  index MB  p50 ms  recall@10
        10k   flat       0.04       15     0.32     1.000
        50k   flat       0.12       77     3.3      1.000   (--quick run)
        50k   ivf        3.9        79     0.05     0.977   (--quick run)
        100k  flat       2.4       154    13.7      1.000
        100k  ivf       18.3       156     0.065    0.976
        100k  hnsw      84.1       182     0.158    0.988
        1M    flat      12.1      1544   202        1.000
        1M    ivf      138.9      1546     0.315    0.980
        1M    ivf-sq8   87.5       394     0.229    0.979
        1M    hnsw     633.6      1816     1.26     0.970   (efSearch calibrated to 384)

    - flat is exact, needs no training, and stays a few ms per query up to ~50k; so flat
      below 50k (a 10-paragraph compare is ~40 queries: < 0.15 s).
    - ivf keeps exact float32 similarities (callers threshold on them) at < 0.1 ms and
      recall >= 0.95 from 50k; it builds in seconds at 100k (139 s at 1M on the loaded box).
    - ivf-sq8 is 4x smaller at equal recall (1M: 394 MB vs 1.5 GB) but its similarities
      are approximate (about +-0.01); from 500k memory and disk matter more, so it takes over.
    - hnsw builds slowly on 2 cores (1M: 634 s vs 139 s for ivf), is slower than ivf at
      equal recall on this data, and cannot delete in place: never chosen automatically
      (it can be forced).
    """
    if n_vectors < 0:
        raise ValueError(f"n_vectors must be >= 0, got {n_vectors}")
    if n_vectors < 50_000:
        return "flat"
    if n_vectors < 500_000:
        return "ivf"
    return "ivf-sq8"


def ivf_nlist(n_vectors: int) -> int:
    """Number of IVF lists for ``n_vectors``: ~4*sqrt(n), clamped to [8, IVF_MAX_NLIST] and
    to at most n/39 so k-means always has enough training points."""
    nlist = int(4 * math.sqrt(max(n_vectors, 1)))
    nlist = min(nlist, IVF_MAX_NLIST, n_vectors // IVF_MIN_POINTS_PER_LIST)
    return max(nlist, 8)


# ---------------------------------------------------------------- input validation


def _check_vectors(vectors: np.ndarray, name: str, dimension: int | None = None) -> np.ndarray:
    arr = np.asarray(vectors)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n, dimension), got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(f"{name} must be floating point, got dtype {arr.dtype}")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has dimension 0")
    if dimension is not None and arr.shape[1] != dimension:
        raise ValueError(
            f"{name} have dimension {arr.shape[1]} but the index has dimension {dimension}"
        )
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    for lo in range(0, arr.shape[0], _CHUNK_ROWS):  # chunked: no n*d temporary at 1M rows
        if not np.isfinite(arr[lo : lo + _CHUNK_ROWS]).all():
            raise ValueError(f"{name} contain NaN or infinite values")
    return arr


def _check_ids(ids: np.ndarray, n: int) -> np.ndarray:
    arr = np.asarray(ids)
    if arr.ndim != 1:
        raise ValueError(f"ids must be a 1-D array, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"ids must be integers, got dtype {arr.dtype}")
    if arr.shape[0] != n:
        raise ValueError(f"got {arr.shape[0]} ids for {n} vectors")
    arr = np.ascontiguousarray(arr, dtype=np.int64)
    if arr.size and arr.min() < 0:
        raise ValueError("ids must be >= 0 (-1 marks a missing result)")
    if np.unique(arr).size != arr.size:
        raise ValueError("ids must be unique")
    return arr


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    return int(k)


def _pad(sims: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sims = np.ascontiguousarray(sims, dtype=np.float32)
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    sims[ids < 0] = -np.inf
    ids[ids < 0] = -1
    return _ties_by_id(sims, ids)


def _ties_by_id(sims: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order equal similarities by id. FAISS leaves ties in heap order, which depends on how
    the vectors are split up; by id, results are the same for one index or several shards
    (identical texts share a vector, so exact ties are common in boilerplate)."""
    if sims.shape[1] < 2 or not (sims[:, 1:] == sims[:, :-1]).any():
        return sims, ids
    order = np.lexsort((np.where(ids < 0, np.iinfo(np.int64).max, ids), -sims), axis=1)
    return np.take_along_axis(sims, order, axis=1), np.take_along_axis(ids, order, axis=1)


# ---------------------------------------------------------------- exact reference


def exact_search(
    vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Brute-force top-``k`` inner-product search in numpy (the reference for recall).

    Same contract as :meth:`VectorIndex.search`: ``(sims (m, k) float32, ids (m, k) int64)``
    sorted by decreasing similarity, padded with ``-inf`` / ``-1`` when ``k > n``. Queries
    are processed in chunks so the (chunk, n) score matrix stays around 256 MB.
    """
    k = _check_k(k)
    vectors = _check_vectors(vectors, "vectors")
    ids = _check_ids(ids, vectors.shape[0])
    queries = _check_vectors(queries, "queries", vectors.shape[1])
    return _exact_topk(vectors, ids, queries, k)


def _exact_topk(
    vectors: np.ndarray,
    ids: np.ndarray,
    queries: np.ndarray,
    k: int,
    exclude: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`exact_search` without validation; rows where ``exclude`` is True are skipped
    (so a calibration sample can be left out without copying the other rows)."""
    n, m = vectors.shape[0], queries.shape[0]
    out_s = np.full((m, k), -np.inf, dtype=np.float32)
    out_i = np.full((m, k), -1, dtype=np.int64)
    available = n - (int(exclude.sum()) if exclude is not None else 0)
    if available <= 0 or m == 0:
        return out_s, out_i
    kk = min(k, available)
    chunk = max(1, (64 * 1024 * 1024) // n)
    for lo in range(0, m, chunk):
        scores = queries[lo : lo + chunk] @ vectors.T
        if exclude is not None:
            scores[:, exclude] = -np.inf
        if kk < n:
            part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
        else:
            part = np.broadcast_to(np.arange(n), scores.shape)
        top = np.take_along_axis(scores, part, axis=1)
        order = np.argsort(-top, axis=1, kind="stable")
        out_s[lo : lo + chunk, :kk] = np.take_along_axis(top, order, axis=1)
        out_i[lo : lo + chunk, :kk] = ids[np.take_along_axis(part, order, axis=1)]
    return out_s, out_i


def _recall(truth: np.ndarray, found: np.ndarray) -> float:
    """Mean share of each row's true ids (ignoring -1 padding) present in ``found``."""
    hits = total = 0
    for t, f in zip(truth, found, strict=True):
        t = t[t >= 0]
        hits += np.intersect1d(t, f).size
        total += t.size
    return hits / total if total else 1.0


def _tie_aware_recall(
    truth_sims: np.ndarray,
    found: np.ndarray,
    queries: np.ndarray,
    vectors: np.ndarray,
    ids: np.ndarray,
) -> float:
    """Share of the top-k slots filled with a vector as similar as the true k-th one.

    News repeats sentences verbatim, so many stored vectors are identical and which of the
    tied ids comes back is arbitrary: id-based recall then plateaus far below 1 and drives
    the search parameter to its maximum for nothing. A returned vector counts as a hit when
    its exact similarity reaches the true k-th similarity.
    """
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    hits = total = 0
    for q, t_sims, f in zip(queries, truth_sims, found, strict=True):
        valid = np.isfinite(t_sims)
        if not valid.any():
            continue
        kth = float(t_sims[valid][-1])
        f = f[f >= 0]
        rows = order[np.searchsorted(sorted_ids, f)]
        exact = vectors[rows] @ q
        hits += int(min(valid.sum(), (exact >= kth - 1e-5).sum()))
        total += int(valid.sum())
    return hits / total if total else 1.0


def _calibrate(
    search: Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]],
    set_param: Callable[[int], None],
    candidates: Sequence[int],
    truth: np.ndarray,
    queries: np.ndarray,
    what: str,
    recall_of: Callable[[np.ndarray], float] | None = None,
) -> int:
    """Smallest candidate whose recall@k (k = truth columns) reaches CALIBRATION_TARGET.

    Stops early at a plateau (two steps adding < 0.002 recall): compressed codes cap recall
    below the target, and scanning more lists then only costs time.
    """
    k = truth.shape[1]
    history: list[float] = []
    for value in candidates:
        set_param(value)
        found = search(queries, k)[1]
        recall = recall_of(found) if recall_of is not None else _recall(truth, found)
        history.append(recall)
        if recall >= CALIBRATION_TARGET:
            log.info("calibrated %s=%d: recall@%d %.3f", what, value, k, recall)
            return value
        if len(history) >= 3 and history[-1] - history[-3] < 0.002:
            log.warning(
                "%s=%d: recall@%d plateaus at %.3f below the %.2f target (quantization?)",
                what, value, k, recall, CALIBRATION_TARGET,
            )  # fmt: skip
            return value
    log.warning(
        "%s=%d reaches only recall@%d %.3f (target %.2f)",
        what, candidates[-1], k, history[-1], CALIBRATION_TARGET,
    )  # fmt: skip
    return candidates[-1]


# ---------------------------------------------------------------- the index


def _kind_of(index: Any) -> str | None:
    """Infer our kind name from a FAISS index structure (None when unsupported)."""
    faiss = _faiss()
    if isinstance(index, faiss.IndexIDMap2):
        inner = faiss.downcast_index(index.index)
        if isinstance(inner, faiss.IndexFlatIP):
            return "flat"
        if isinstance(inner, faiss.IndexHNSWFlat):
            return "hnsw"
        return None
    if isinstance(index, faiss.IndexIVFFlat):
        return "ivf"
    if isinstance(index, faiss.IndexIVFScalarQuantizer):
        return "ivf-sq8"
    return None


class VectorIndex:
    """A FAISS inner-product index over normalized vectors keyed by int64 passage ids."""

    def __init__(self, faiss_index: Any, kind: str) -> None:
        """Wrap an existing FAISS index; use :meth:`build` or :meth:`load` instead."""
        if kind not in INDEX_KINDS:
            raise ValueError(f"unknown index kind {kind!r}; expected one of {INDEX_KINDS}")
        self._index = faiss_index
        self.kind: str = kind
        self.dimension: int = int(faiss_index.d)

    # ------------------------------------------------------------ construction

    @classmethod
    def build(cls, vectors: np.ndarray, ids: np.ndarray, kind: str = "auto") -> VectorIndex:
        """Build an index of ``kind`` ("auto" = :func:`choose_kind`) over ``vectors``.

        IVF kinds are trained on a sample of ``vectors``; with fewer than
        ``IVF_MIN_VECTORS`` vectors they fall back to flat (logged). Approximate kinds
        calibrate their search parameter on the data (see module docstring).
        """
        vectors = _check_vectors(vectors, "vectors")
        ids = _check_ids(ids, vectors.shape[0])
        n, d = vectors.shape
        if kind == "auto":
            kind = choose_kind(n)
        if kind not in INDEX_KINDS:
            raise ValueError(
                f"unknown index kind {kind!r}; expected 'auto' or one of {INDEX_KINDS}"
            )
        if kind.startswith("ivf") and n < IVF_MIN_VECTORS:
            log.info("%d vectors are too few to train %s; using a flat index", n, kind)
            kind = "flat"
        faiss = _faiss()
        if kind == "flat":
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(d))
        elif kind == "hnsw":
            inner = faiss.IndexHNSWFlat(d, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index = faiss.IndexIDMap2(inner)
        else:
            index = cls._new_ivf(kind, d, n)
            cls._train_ivf(index, vectors)
        self = cls(index, kind)
        # Approximate kinds: hold out a sample, add the rest, calibrate the search parameter
        # on the held-out sample (like new-article queries: not in the index), then add it.
        held = np.zeros(n, dtype=bool)
        if kind != "flat" and n >= 2 * CALIBRATION_QUERIES:
            rng = np.random.default_rng(0)
            held[rng.choice(n, size=CALIBRATION_QUERIES, replace=False)] = True
        self._add_chunked(vectors, ids, ~held)
        if held.any():
            self._calibrate(vectors, ids, held)
            self._add_chunked(vectors, ids, held)
        elif kind == "hnsw":
            self._hnsw().efSearch = HNSW_EF_CANDIDATES[-1]  # tiny: exhaustive is cheap
        elif kind != "flat":
            index.nprobe = index.nlist
        return self

    def _hnsw(self) -> Any:
        return _faiss().downcast_index(self._index.index).hnsw

    def _add_chunked(self, vectors: np.ndarray, ids: np.ndarray, mask: np.ndarray) -> None:
        """Add the rows where ``mask`` is True, a chunk at a time (bounded temporaries)."""
        with _threads(_DEFAULT_THREADS or 1):
            for lo in range(0, vectors.shape[0], _CHUNK_ROWS):
                sel = mask[lo : lo + _CHUNK_ROWS]
                if sel.any():
                    chunk = vectors[lo : lo + _CHUNK_ROWS][sel]
                    self._index.add_with_ids(chunk, ids[lo : lo + _CHUNK_ROWS][sel])

    def _calibrate(self, vectors: np.ndarray, ids: np.ndarray, held: np.ndarray) -> None:
        """Tune the search parameter with the ``held`` rows (not yet added) as queries."""
        queries = vectors[held]
        truth_sims, truth = _exact_topk(vectors, ids, queries, 10, exclude=held)

        def recall_of(found: np.ndarray) -> float:
            return _tie_aware_recall(truth_sims, found, queries, vectors, ids)

        if self.kind == "hnsw":
            hnsw = self._hnsw()

            def set_ef(v: int) -> None:
                hnsw.efSearch = v

            _calibrate(
                self.search, set_ef, HNSW_EF_CANDIDATES, truth, queries, "efSearch", recall_of
            )
        else:
            nlist = self._index.nlist
            candidates = [c for c in NPROBE_CANDIDATES if c < nlist] + [nlist]

            def set_nprobe(v: int) -> None:
                self._index.nprobe = v

            _calibrate(self.search, set_nprobe, candidates, truth, queries, "nprobe", recall_of)

    @staticmethod
    def _new_ivf(kind: str, d: int, n: int) -> Any:
        faiss = _faiss()
        nlist = ivf_nlist(n)
        quantizer = faiss.IndexFlatIP(d)
        if kind == "ivf":
            index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
        else:
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, d, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
        # The IVF must own its quantizer, or the quantizer dies with this Python frame.
        index.own_fields = True
        quantizer.this.disown()
        return index

    @staticmethod
    def _train_ivf(index: Any, vectors: np.ndarray) -> None:
        n = vectors.shape[0]
        size = min(n, IVF_TRAIN_POINTS_PER_LIST * index.nlist)
        rng = np.random.default_rng(0)
        sample = vectors if size == n else vectors[np.sort(rng.choice(n, size, replace=False))]
        index.cp.niter = 10  # centroids only route queries; 10 iterations are plenty
        with _threads(_DEFAULT_THREADS or 1):
            index.train(sample)
        log.info("trained %d IVF lists on %d of %d vectors", index.nlist, size, n)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        """Add vectors under ``ids`` (IVF kinds reuse their trained lists).

        Ids must be unique within the call; keeping them unique across calls is the
        caller's job (the store's passage ids are).
        """
        vectors = _check_vectors(vectors, "vectors", self.dimension)
        ids = _check_ids(ids, vectors.shape[0])
        if vectors.shape[0] == 0:
            return
        self._add_chunked(vectors, ids, np.ones(vectors.shape[0], dtype=bool))

    def remove(self, ids: np.ndarray) -> int:
        """Remove the vectors with these ids; returns how many were removed.

        Flat and IVF delete in place (O(n)); HNSW cannot, so its graph is rebuilt from the
        stored vectors (slow for large indexes; logged).
        """
        arr = np.asarray(ids)
        if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
            raise ValueError(f"ids must be a 1-D integer array, got {arr.dtype} {arr.shape}")
        arr = np.ascontiguousarray(arr, dtype=np.int64)
        if arr.size == 0 or len(self) == 0:
            return 0
        if self.kind != "hnsw":
            return int(self._index.remove_ids(arr))
        faiss = _faiss()
        all_ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        keep = ~np.isin(all_ids, arr)
        removed = int((~keep).sum())
        if removed:
            log.info("rebuilding HNSW graph without %d vectors (%d kept)", removed, keep.sum())
            inner = faiss.downcast_index(self._index.index)
            vectors = inner.reconstruct_n(0, inner.ntotal)[keep]
            self._index = VectorIndex.build(vectors, all_ids[keep], "hnsw")._index
        return removed

    # ------------------------------------------------------------ queries

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` neighbours of each query: ``(sims (m, k) float32, ids (m, k) int64)``,
        best first, padded with ``-inf`` / ``-1`` when fewer than ``k`` are found."""
        k = _check_k(k)
        queries = _check_vectors(queries, "queries", self.dimension)
        m = queries.shape[0]
        if m == 0 or len(self) == 0:
            return (
                np.full((m, k), -np.inf, dtype=np.float32),
                np.full((m, k), -1, dtype=np.int64),
            )
        with _threads(_threads_for(self.kind, m)):
            sims, ids = self._index.search(queries, k)
        return _pad(sims, ids)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def __repr__(self) -> str:
        return f"VectorIndex(kind={self.kind!r}, dimension={self.dimension}, n={len(self)})"

    @property
    def search_param(self) -> int | None:
        """The calibrated nprobe (IVF) or efSearch (HNSW); None for flat."""
        if self.kind == "hnsw":
            return int(self._hnsw().efSearch)
        if self.kind.startswith("ivf"):
            return int(self._index.nprobe)
        return None

    def outgrown(self) -> bool:
        """True when incremental adds have made this index a poor fit for its size:
        :func:`choose_kind` now picks another kind, or an IVF's lists have grown to more
        than twice the length its nlist was chosen for. The store should then rebuild."""
        n = len(self)
        if choose_kind(n) != self.kind:
            return True
        return self.kind.startswith("ivf") and ivf_nlist(n) > 2 * int(self._index.nlist)

    def nbytes(self) -> int:
        """Size in bytes of the serialized index (what :meth:`save` writes)."""
        return int(_faiss().serialize_index(self._index).size)

    # ------------------------------------------------------------ persistence

    def save(self, path: Path) -> None:
        """Write the index to ``path`` atomically (temp file in the same folder, fsync,
        rename, fsync the folder), so a crash leaves either the old or the new file."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            _faiss().write_index(self._index, tmp)
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        """Read an index written by :meth:`save`; a missing, truncated or foreign file
        raises :class:`StoreError` naming the file."""
        path = Path(path)
        hint = "run `protocol-match rebuild` to rebuild it from the stored vectors"
        if not path.is_file():
            raise StoreError(f"index file {path} is missing; {hint}")
        try:
            index = _faiss().read_index(str(path))
        except Exception as exc:  # FAISS raises RuntimeError with a C++ trace
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(
                f"index file {path} is corrupt or truncated ({first}); {hint}"
            ) from exc
        kind = _kind_of(index)
        if kind is None:
            raise StoreError(
                f"index file {path} holds an unsupported FAISS index ({type(index).__name__}); "
                f"{hint}"
            )
        if index.metric_type != _faiss().METRIC_INNER_PRODUCT:
            raise StoreError(f"index file {path} does not use inner product; {hint}")
        return cls(index, kind)
