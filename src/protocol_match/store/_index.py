"""Vector index: a thin typed wrapper over FAISS (faiss is imported in ``store`` only).

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

Which kind for which size: ``_kinds.choose_kind``.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import StoreError
from ._exact import (
    CALIBRATION_QUERIES,
    CHUNK_ROWS,
    calibrate,
    check_ids,
    check_k,
    check_vectors,
    exact_topk,
    pad,
    tie_aware_recall,
)
from ._faiss import default_threads, load_faiss, threads, threads_for
from ._kinds import (
    HNSW_EF_CANDIDATES,
    HNSW_EF_CONSTRUCTION,
    HNSW_M,
    INDEX_KINDS,
    IVF_MIN_VECTORS,
    IVF_TRAIN_POINTS_PER_LIST,
    NPROBE_CANDIDATES,
    choose_kind,
    ivf_nlist,
)

log = logging.getLogger(__name__)


def _kind_of(index: Any) -> str | None:
    """Infer our kind name from a FAISS index structure (None when unsupported)."""
    faiss = load_faiss()
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
        vectors = check_vectors(vectors, "vectors")
        ids = check_ids(ids, vectors.shape[0])
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
        faiss = load_faiss()
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
        return load_faiss().downcast_index(self._index.index).hnsw

    def _add_chunked(self, vectors: np.ndarray, ids: np.ndarray, mask: np.ndarray) -> None:
        """Add the rows where ``mask`` is True, a chunk at a time (bounded temporaries)."""
        with threads(default_threads()):
            for lo in range(0, vectors.shape[0], CHUNK_ROWS):
                sel = mask[lo : lo + CHUNK_ROWS]
                if sel.any():
                    chunk = vectors[lo : lo + CHUNK_ROWS][sel]
                    self._index.add_with_ids(chunk, ids[lo : lo + CHUNK_ROWS][sel])

    def _calibrate(self, vectors: np.ndarray, ids: np.ndarray, held: np.ndarray) -> None:
        """Tune the search parameter with the ``held`` rows (not yet added) as queries."""
        queries = vectors[held]
        truth_sims, truth = exact_topk(vectors, ids, queries, 10, exclude=held)

        def recall_of(found: np.ndarray) -> float:
            return tie_aware_recall(truth_sims, found, queries, vectors, ids)

        if self.kind == "hnsw":
            hnsw = self._hnsw()

            def set_ef(v: int) -> None:
                hnsw.efSearch = v

            calibrate(
                self.search, set_ef, HNSW_EF_CANDIDATES, truth, queries, "efSearch", recall_of
            )
        else:
            nlist = self._index.nlist
            candidates = [c for c in NPROBE_CANDIDATES if c < nlist] + [nlist]

            def set_nprobe(v: int) -> None:
                self._index.nprobe = v

            calibrate(self.search, set_nprobe, candidates, truth, queries, "nprobe", recall_of)

    @staticmethod
    def _new_ivf(kind: str, d: int, n: int) -> Any:
        faiss = load_faiss()
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
        with threads(default_threads()):
            index.train(sample)
        log.info("trained %d IVF lists on %d of %d vectors", index.nlist, size, n)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        """Add vectors under ``ids`` (IVF kinds reuse their trained lists).

        Ids must be unique within the call; keeping them unique across calls is the
        caller's job (the store's passage ids are).
        """
        vectors = check_vectors(vectors, "vectors", self.dimension)
        ids = check_ids(ids, vectors.shape[0])
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
        faiss = load_faiss()
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
        k = check_k(k)
        queries = check_vectors(queries, "queries", self.dimension)
        m = queries.shape[0]
        if m == 0 or len(self) == 0:
            return (
                np.full((m, k), -np.inf, dtype=np.float32),
                np.full((m, k), -1, dtype=np.int64),
            )
        with threads(threads_for(self.kind, m)):
            sims, ids = self._index.search(queries, k)
        return pad(sims, ids)

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

    @property
    def nlist(self) -> int | None:
        """Number of IVF lists; None for flat and HNSW."""
        return getattr(self._index, "nlist", None)

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
        return int(load_faiss().serialize_index(self._index).size)

    # ------------------------------------------------------------ persistence

    def save(self, path: Path) -> None:
        """Write the index to ``path`` atomically (temp file in the same folder, fsync,
        rename, fsync the folder), so a crash leaves either the old or the new file."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            load_faiss().write_index(self._index, tmp)
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
            index = load_faiss().read_index(str(path))
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
        if index.metric_type != load_faiss().METRIC_INNER_PRODUCT:
            raise StoreError(f"index file {path} does not use inner product; {hint}")
        return cls(index, kind)

    def to_bytes(self) -> bytes:
        """The index as the bytes of its file (to ship a shard to another process)."""
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "shard.faiss"
            self.save(path)
            return path.read_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> VectorIndex:
        """An index from :meth:`to_bytes` output."""
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "shard.faiss"
            path.write_bytes(data)
            return cls.load(path)


def index_ids(idx: object) -> np.ndarray | None:
    """The ids held by a VectorIndex or ShardedIndex (None if a FAISS type cannot be listed)."""
    import faiss

    if hasattr(idx, "shards"):  # a ShardedIndex: the union of its shards' ids
        parts = [index_ids(s) for s in idx.shards]
        if any(p is None for p in parts):
            return None
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)
    inner = idx._index  # type: ignore[attr-defined]
    if hasattr(inner, "id_map"):
        return faiss.vector_to_array(inner.id_map).astype(np.int64)
    try:
        ivf = faiss.extract_index_ivf(inner)
    except RuntimeError:
        return None
    lists = ivf.invlists
    parts = []
    for i in range(ivf.nlist):
        n = lists.list_size(i)
        if n:
            ptr = lists.get_ids(i)
            parts.append(faiss.rev_swig_ptr(ptr, n).copy())
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)
