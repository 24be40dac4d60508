"""Scaling out: index and mine a corpus on a Ray cluster (``index --engine ray``).

The only package that imports ray, and only when one of its functions runs, so a plain
``index`` never loads it. Works on a ``protocol_match.Corpus`` (above the entry class,
below the CLI): Ray tasks read the inputs, embedding actors segment and embed batches, the
driver stays the single SQLite writer and writes the index as shards, and mining searches
the shards in parallel while clustering with the single-machine code, so the result is the
one a single machine gives.
"""

from ._engine import (
    RayShardedIndex,
    add_with_ray,
    duplicates_with_ray,
    index_with_ray,
    mine_on_ray,
    mine_with_ray,
)
from ._session import ClusterError, RayAddResult, RayMineResult, RaySettings, ray_session

__all__ = [
    "ClusterError",
    "RayAddResult",
    "RayMineResult",
    "RaySettings",
    "RayShardedIndex",
    "add_with_ray",
    "duplicates_with_ray",
    "index_with_ray",
    "mine_on_ray",
    "mine_with_ray",
    "ray_session",
]
