"""Which FAISS index kind suits a corpus of a given size, and the kinds' build parameters.

Numbers behind ``choose_kind`` (random-clustered 384-d stand-in vectors, 2 CPU cores;
``benchmarks/retrieval.py``, results in ``benchmarks/results/retrieval.json``) are in its
docstring.
"""

from __future__ import annotations

import math

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
