"""Mining: the corpus's recurring formulas (templates) and near-duplicate stories.

Over a whole store at once: kNN graphs and k-means cells over all vectors (``_knn``, FAISS
through ``store``), clusters of matching passages from enough distinct stories
(``_templates``, scored with ``scoring``'s match score), near-duplicate articles
(``_duplicates``, from rare shared wording, names and dates: ``_story_text``), and the store
round trip that saves and reads the mined templates (``_mine``).

For mining on a cluster (``protocol_match.distributed``), the same work in pieces: a level cut
into partitions by k-means cell and each mined alone (``_parts``), the partitions' candidate
clusters merged by their representatives (``_merge``), and duplicate scoring from per-article
keys and corpus counts (``_dup_parts``).
"""

from ._dup_parts import (
    KINDS,
    DocKeys,
    DocProfile,
    capitalized_words,
    doc_keys,
    doc_profile,
    key_hashes,
    pair_score,
)
from ._duplicates import (
    DEFAULT_DUPLICATE_THRESHOLD,
    DocInfo,
    duplicate_groups,
    find_duplicates,
    lowercase_words,
    story_ids,
)
from ._graph_parts import (
    Candidates,
    cluster_component,
    components,
    guest_partitions,
    partition_knn,
    split_giant,
    top_edges,
)
from ._knn import kmeans_labels, knn_graph_blocked
from ._merge import add_counts, merge_candidates
from ._mine import ProgressFn, mine_store, read_templates, store_duplicates
from ._parts import (
    CandidateTable,
    FinalCluster,
    NodeSet,
    PartitionClusters,
    Partitioning,
    PassageBatch,
    finish_merged,
    partitioning,
    split_batch,
)
from ._templates import Cluster, is_chrome, mine_clusters, mine_passages

__all__ = [
    "DEFAULT_DUPLICATE_THRESHOLD",
    "KINDS",
    "CandidateTable",
    "Candidates",
    "Cluster",
    "DocInfo",
    "DocKeys",
    "DocProfile",
    "FinalCluster",
    "NodeSet",
    "PartitionClusters",
    "Partitioning",
    "PassageBatch",
    "ProgressFn",
    "add_counts",
    "capitalized_words",
    "cluster_component",
    "components",
    "doc_keys",
    "doc_profile",
    "duplicate_groups",
    "find_duplicates",
    "finish_merged",
    "guest_partitions",
    "is_chrome",
    "key_hashes",
    "kmeans_labels",
    "knn_graph_blocked",
    "lowercase_words",
    "merge_candidates",
    "mine_clusters",
    "mine_passages",
    "mine_store",
    "pair_score",
    "partitioning",
    "partition_knn",
    "read_templates",
    "split_batch",
    "split_giant",
    "store_duplicates",
    "story_ids",
    "top_edges",
]
