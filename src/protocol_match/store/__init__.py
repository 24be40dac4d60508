"""The store: the one package that touches disk (SQLite metadata, vectors, index files),
and the only one that imports faiss.

Layout of a store directory (documented for users in ``embeddings/README.md``)::

    store.sqlite          articles, passages (offsets), vectors (float16, keyed by text hash),
                          templates, labels, metadata (format version, model + fingerprint)
    index-<level>.faiss   FAISS indexes over passage ids, one per level (paragraph, sentence,
                          article); derived data, rebuilt from the vectors when missing or stale
    index-<level>.shard-<i>.faiss
                          instead of the above in a sharded store (``meta.shards`` holds the
                          article-rowid bounds of the shards; see ``_shards``)
    (search, events, summaries: tables that ``serve`` and ``watch`` add on first use; ``_feed``)
    .lock                 write lock held while a process adds articles or mines templates

SQLite is the source of truth and every batch of articles is one transaction, so a crash
leaves the store either before or after the batch. Index files are written to a temporary
file, fsynced and renamed; each records how many vectors it holds, so a stale index (crash
between the commit and the index write) is detected and rebuilt instead of trusted.
``check_store`` and ``rebuild_store`` find and repair what a crash or a disk fault leaves.

Modules: ``_store`` (``Store``: opening, locking, writing) with its mixins ``_reads``,
``_indexes``, ``_repairs``, ``_labels`` and ``_feed``; ``_sqlite`` (schema, metadata, vector
encoding); ``_files`` (atomic writes); ``_index``, ``_kinds``, ``_faiss`` and ``_exact``
(FAISS indexes, their kinds, threads, exact search and calibration); ``_shards``; ``_health``.
"""

from ._exact import CALIBRATION_QUERIES, CALIBRATION_TARGET, check_k, check_vectors, exact_search
from ._faiss import faiss_module
from ._feed import MARK_END, MARK_START, ArticleRow, EventRow, SearchHit
from ._files import atomic_file, fsync_dir, write_file_atomic
from ._health import HealthReport, Issue, RebuildReport, check_store, rebuild_store
from ._index import VectorIndex, index_ids
from ._kinds import INDEX_KINDS, IVF_MIN_VECTORS, choose_kind, ivf_nlist
from ._shards import ShardedIndex, ShardLayout, index_files, merge_topk, shard_file_name
from ._sqlite import DB_NAME, FORMAT_VERSION, LEVELS, PassageRow, StoreMeta, store_exists
from ._store import Store

__all__ = [
    "CALIBRATION_QUERIES",
    "CALIBRATION_TARGET",
    "DB_NAME",
    "FORMAT_VERSION",
    "INDEX_KINDS",
    "IVF_MIN_VECTORS",
    "LEVELS",
    "MARK_END",
    "MARK_START",
    "ArticleRow",
    "EventRow",
    "HealthReport",
    "Issue",
    "PassageRow",
    "RebuildReport",
    "SearchHit",
    "ShardLayout",
    "ShardedIndex",
    "Store",
    "StoreMeta",
    "VectorIndex",
    "atomic_file",
    "check_k",
    "check_store",
    "check_vectors",
    "choose_kind",
    "exact_search",
    "faiss_module",
    "fsync_dir",
    "index_files",
    "index_ids",
    "ivf_nlist",
    "merge_topk",
    "rebuild_store",
    "shard_file_name",
    "store_exists",
    "write_file_atomic",
]
