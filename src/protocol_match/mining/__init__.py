"""Mining: the corpus's recurring formulas (templates) and near-duplicate stories.

Over a whole store at once: kNN graphs and k-means cells over all vectors (``_knn``, FAISS
through ``store``), clusters of matching passages from enough distinct stories
(``_templates``, scored with ``scoring``'s match score), near-duplicate articles
(``_duplicates``, from rare shared wording, names and dates: ``_story_text``), and the store
round trip that saves and reads the mined templates (``_mine``).
"""

from ._duplicates import DEFAULT_DUPLICATE_THRESHOLD, DocInfo, find_duplicates, story_ids
from ._knn import kmeans_labels, knn_graph_blocked
from ._mine import ProgressFn, mine_store, read_templates, store_duplicates
from ._templates import Cluster, is_chrome, mine_clusters, mine_passages

__all__ = [
    "DEFAULT_DUPLICATE_THRESHOLD",
    "Cluster",
    "DocInfo",
    "ProgressFn",
    "find_duplicates",
    "is_chrome",
    "kmeans_labels",
    "knn_graph_blocked",
    "mine_clusters",
    "mine_passages",
    "mine_store",
    "read_templates",
    "store_duplicates",
    "story_ids",
]
