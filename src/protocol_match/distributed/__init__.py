"""Scaling out: index and mine a corpus on a Ray cluster (``index --engine ray``).

The only package that imports ray, and only when one of its functions runs, so a plain
``index`` never loads it. Works on a ``protocol_match.Corpus`` (above the entry class,
below the CLI): Ray tasks read the inputs, embedding actors segment and embed batches, the
driver stays the single SQLite writer and writes the index as shards. Mining
(``templates --engine ray``, ``mine_on_ray``) cuts each level's distinct texts into k-means
partitions hosted by the workers, clusters them there with the single-machine code and
merges across partitions from cross edges and representatives; duplicate groups are scored
on the workers too. The driver streams the store and never holds a level's vectors or texts.
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
