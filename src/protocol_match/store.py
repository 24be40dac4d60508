"""The store: the only module that touches disk (SQLite metadata, vectors, index files).

Layout of a store directory (documented for users in ``embeddings/README.md``)::

    store.sqlite          articles, passages (offsets), vectors (float16, keyed by text hash),
                          templates, metadata (format version, model name + fingerprint)
    index-<level>.faiss   FAISS indexes over passage ids, one per level (paragraph, sentence,
                          article); derived data, rebuilt from the vectors when missing or stale
    index-<level>.shard-<i>.faiss
                          instead of the above in a sharded store (``meta.shards`` holds the
                          article-rowid bounds of the shards; see ``shards.py``)
    .lock                 write lock held while a process adds articles or mines templates

SQLite is the source of truth and every batch of articles is one transaction, so a crash
leaves the store either before or after the batch. Index files are written to a temporary
file, fsynced and renamed; each records how many vectors it holds, so a stale index (crash
between the commit and the index write) is detected and rebuilt instead of trusted.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from .errors import ModelMismatchError, StoreError, StoreLockedError, StoreNotFoundError
from .records import Article, Passage, Segmented

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
DB_NAME = "store.sqlite"
LEVELS = ("paragraph", "sentence", "article")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    date TEXT, source TEXT, title TEXT, origin TEXT,
    text TEXT NOT NULL,
    key TEXT NOT NULL,
    added_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY,
    article INTEGER NOT NULL REFERENCES articles(rowid),
    level TEXT NOT NULL,
    idx INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    key TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_article ON passages(article);
CREATE INDEX IF NOT EXISTS passages_level ON passages(level, id);
CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS templates (
    id INTEGER PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS template_members (
    template INTEGER NOT NULL,
    passage INTEGER NOT NULL,
    similarity REAL NOT NULL,
    PRIMARY KEY (template, passage)
);
CREATE INDEX IF NOT EXISTS template_members_passage ON template_members(passage);
CREATE TABLE IF NOT EXISTS stories (article TEXT PRIMARY KEY, story TEXT NOT NULL);
"""
# Added after format 1 shipped: created with new stores and by save_templates on old ones.
_CLAUSES_TABLE = "CREATE TABLE IF NOT EXISTS clauses (key INTEGER PRIMARY KEY, data TEXT NOT NULL)"
_SCHEMA += _CLAUSES_TABLE + ";\n"


@dataclass(frozen=True)
class StoreMeta:
    """What a store records about itself."""

    format_version: int
    model: str
    fingerprint: str
    dimension: int
    index_kind: str
    backend: str = "torch"  # embed.BACKENDS: how the model was run to make the vectors


@dataclass(frozen=True)
class PassageRow:
    """A stored passage with its article's metadata, as returned by lookups."""

    id: int
    article_id: str
    level: str
    index: int
    paragraph: int
    start: int
    end: int
    text: str
    date: str | None
    source: str | None
    title: str | None


def store_exists(path: Path) -> bool:
    return (path / DB_NAME).is_file()


def _encode_vec(vec: np.ndarray) -> bytes:
    return np.asarray(vec, dtype=np.float16).tobytes()


def _decode_vecs(blobs: Sequence[bytes], dimension: int) -> np.ndarray:
    if not blobs:
        return np.zeros((0, dimension), dtype=np.float32)
    arr = np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(len(blobs), dimension)
    out = arr.astype(np.float32)
    # Renormalize: float16 storage moves norms by ~1e-4, and inner product must stay cosine.
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out


class Store:
    """A protocol_match store directory. Use :meth:`create` or :meth:`open`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, meta: StoreMeta) -> None:
        self.path = path
        self._conn = conn
        self.meta = meta
        self._indexes: dict[str, object] = {}
        self._counts: dict[str, tuple[tuple[int, int], int]] = {}
        self._unsaved: set[str] = set()  # levels extended in memory, file not yet rewritten
        self._created: str | None = None  # "dir"/"files" when create() made it in this process

    # ----------------------------------------------------------------- opening
    @classmethod
    def create(
        cls,
        path: Path,
        *,
        model: str,
        fingerprint: str,
        dimension: int,
        index_kind: str = "auto",
        backend: str = "torch",
    ) -> Store:
        """Create a new empty store at ``path`` (the directory may exist but must hold no store)."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise StoreError(f"Store path {path} is a file, not a directory; pass --store DIR.")
        if store_exists(path):
            raise StoreError(f"A store already exists at {path}.")
        made_dir = not path.exists()
        path.mkdir(parents=True, exist_ok=True)
        conn = _connect(path / DB_NAME)
        with conn:
            conn.executescript(_SCHEMA)
            values = {
                "format_version": str(FORMAT_VERSION),
                "model": model,
                "fingerprint": fingerprint,
                "dimension": str(dimension),
                "index_kind": index_kind,
                "backend": backend,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
            }
            conn.executemany("INSERT INTO meta VALUES (?, ?)", values.items())
        store = cls(path, conn, _read_meta(conn, path))
        store._created = "dir" if made_dir else "files"
        return store

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open an existing store; raises :class:`StoreNotFoundError` when there is none."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise StoreError(f"Store path {path} is a file, not a directory; pass --store DIR.")
        if not store_exists(path):
            raise StoreNotFoundError(
                f"No store at {path}: run `protocol-match index PATH --store {path}` first."
            )
        conn = _connect(path / DB_NAME)
        try:
            meta = _read_meta(conn, path)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(
                f"{path / DB_NAME} is damaged ({exc}); restore it from a backup or rebuild the "
                "store with `protocol-match index`."
            ) from exc
        return cls(path, conn, meta)

    def check_model(self, name: str, fingerprint: str) -> None:
        """Refuse an embedder other than the one the store was built with."""
        if fingerprint != self.meta.fingerprint:
            raise ModelMismatchError(
                f"The store at {self.path} was built with model {self.meta.model} "
                f"(fingerprint {self.meta.fingerprint}), not {name} ({fingerprint}). Use the same "
                "--model, or index into a new --store."
            )

    def close(self) -> None:
        self._conn.close()

    def discard_if_empty(self) -> bool:
        """Close and delete a store that :meth:`create` made in this process and that still
        holds no article, so a first ``index`` that fails leaves nothing behind. Returns
        whether it was deleted; an older or non-empty store is never touched."""
        if self._created is None or self.count("article") > 0:
            return False
        self.close()
        for name in os.listdir(self.path):
            if name == DB_NAME or name.startswith((DB_NAME + "-", "index-", ".lock")):
                (self.path / name).unlink(missing_ok=True)
        if self._created == "dir":
            with contextlib.suppress(OSError):
                self.path.rmdir()  # only when nothing else was put there meanwhile
        return True

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def write_lock(self, wait: bool = True, timeout: float = -1) -> Iterator[None]:
        """Hold the store's write lock; raise :class:`StoreLockedError` if ``wait`` is False."""
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.path / ".lock"))
        try:
            lock.acquire(timeout=timeout if wait else 0)
        except Timeout as exc:
            raise StoreLockedError(
                f"Another protocol-match process is writing to {self.path}; wait for it to "
                "finish or run again without --no-wait."
            ) from exc
        try:
            yield
        finally:
            lock.release()

    # ----------------------------------------------------------------- reading
    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        found: set[str] = set()
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(f"SELECT id FROM articles WHERE id IN ({marks})", chunk)
            found.update(r[0] for r in rows)
        return found

    def vectors_for_keys(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Cached vectors for text keys (the persistent embedding cache)."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        for chunk in _chunks(keys, 500):
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk
            ).fetchall()
            if rows:
                vecs = _decode_vecs([r[1] for r in rows], self.meta.dimension)
                found.update(zip((r[0] for r in rows), vecs, strict=True))
        return found

    def count(self, level: str, *, rowids: tuple[int, int | None] | None = None) -> int:
        """Passages of ``level`` (articles for "article"), optionally only those of the
        articles whose rowid lies in ``rowids`` = [first, end) (end None: open)."""
        if rowids is None:
            # Counting a million rows takes ~10 ms and compare asks per level: remembered
            # until this connection writes or another one commits (SQLite's data_version).
            stamp = (
                self._conn.execute("PRAGMA data_version").fetchone()[0],
                self._conn.total_changes,
            )
            hit = self._counts.get(level)
            if hit is not None and hit[0] == stamp:
                return hit[1]
            value = self._count(level, None)
            self._counts[level] = (stamp, value)
            return value
        return self._count(level, rowids)

    def _count(self, level: str, rowids: tuple[int, int | None] | None) -> int:
        where, params = _rowid_filter("article" if level != "article" else "rowid", rowids)
        if level == "article":
            sql = "SELECT COUNT(*) FROM articles" + (" WHERE " + where if where else "")
            return int(self._conn.execute(sql, params).fetchone()[0])
        sql = "SELECT COUNT(*) FROM passages WHERE level=?" + (" AND " + where if where else "")
        return int(self._conn.execute(sql, (level, *params)).fetchone()[0])

    def count_vectors(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def article(self, article_id: str) -> Article | None:
        row = self._conn.execute(
            "SELECT id, text, date, source, title, origin FROM articles WHERE id=?", (article_id,)
        ).fetchone()
        return Article(*row) if row else None

    def articles_by_rowid(self, rowids: Sequence[int]) -> dict[int, Article]:
        out: dict[int, Article] = {}
        for chunk in _chunks(list(rowids), 500):
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                "SELECT rowid, id, text, date, source, title, origin FROM articles "
                f"WHERE rowid IN ({marks})",
                chunk,
            )
            out.update((r[0], Article(*r[1:])) for r in rows)
        return out

    def articles(self) -> Iterator[Article]:
        cur = self._conn.execute(
            "SELECT id, text, date, source, title, origin FROM articles ORDER BY rowid"
        )
        for row in cur:
            yield Article(*row)

    def article_table(self) -> list[tuple[int, str, str | None, str | None]]:
        """(rowid, id, date, source) of every article, in insertion order."""
        return self._conn.execute(
            "SELECT rowid, id, date, source FROM articles ORDER BY rowid"
        ).fetchall()

    def passages(self, ids: Sequence[int]) -> dict[int, PassageRow]:
        """Stored passages by id, with their text sliced from the article."""
        out: dict[int, PassageRow] = {}
        for chunk in _chunks([int(i) for i in ids], 500):
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                "SELECT p.id, a.id, p.level, p.idx, p.paragraph, p.start, p.end, "
                "substr(a.text, p.start + 1, p.end - p.start), a.date, a.source, a.title "
                f"FROM passages p JOIN articles a ON a.rowid = p.article WHERE p.id IN ({marks})",
                chunk,
            )
            for r in rows:
                out[r[0]] = PassageRow(*r)
        return out

    def level_table(self, level: str) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, article rowids) of all passages of ``level``, ordered by id."""
        rows = self._conn.execute(
            "SELECT id, article FROM passages WHERE level=? ORDER BY id", (level,)
        ).fetchall()
        arr = np.asarray(rows, dtype=np.int64).reshape(-1, 2)
        return arr[:, 0].copy(), arr[:, 1].copy()

    def level_vectors(
        self, level: str, *, rowids: tuple[int, int | None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every passage of ``level`` (articles: rowid and document vector),
        optionally only of the articles whose rowid lies in ``rowids`` (see :meth:`count`)."""
        if level == "article":
            where, params = _rowid_filter("a.rowid", rowids)
            sql = "SELECT a.rowid, v.vec FROM articles a JOIN vectors v ON v.key = a.key"
            sql += (" WHERE " + where if where else "") + " ORDER BY a.rowid"
            rows = self._conn.execute(sql, params).fetchall()
        else:
            where, params = _rowid_filter("p.article", rowids)
            rows = self._conn.execute(
                "SELECT p.id, v.vec FROM passages p JOIN vectors v ON v.key = p.key "
                "WHERE p.level=?" + (" AND " + where if where else "") + " ORDER BY p.id",
                (level, *params),
            ).fetchall()
        ids = np.asarray([r[0] for r in rows], dtype=np.int64)
        return ids, _decode_vecs([r[1] for r in rows], self.meta.dimension)

    def article_rowids(self, article_ids: Iterable[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in _chunks(list(article_ids), 500):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id, rowid FROM articles WHERE id IN ({marks})"
            out.update(dict(self._conn.execute(sql, chunk).fetchall()))
        return out

    # ----------------------------------------------------------------- writing
    def add(self, items: Sequence[tuple[Segmented, str]], vectors: dict[str, np.ndarray]) -> int:
        """Add segmented articles in one transaction; returns the number added.

        ``items`` pairs each article with the text key of its document vector; ``vectors``
        must hold a vector for every passage key and document key not yet stored.
        Articles whose id is already stored are skipped.
        """
        existing = self.existing_ids(seg.article.id for seg, _ in items)
        added = 0
        now = time.time()
        with self._conn:  # one transaction: all of the batch or none of it
            new_keys = [k for k in vectors if k]
            have = set(self.vectors_for_keys(new_keys))
            self._conn.executemany(
                "INSERT OR IGNORE INTO vectors VALUES (?, ?)",
                ((k, _encode_vec(v)) for k, v in vectors.items() if k not in have),
            )
            for seg, doc_key in items:
                art = seg.article
                if art.id in existing:
                    continue
                existing.add(art.id)
                cur = self._conn.execute(
                    "INSERT INTO articles (id, date, source, title, origin, text, key, added_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (art.id, art.date, art.source, art.title, art.origin, art.text, doc_key, now),
                )
                rowid = cur.lastrowid
                self._conn.executemany(
                    "INSERT INTO passages (article, level, idx, paragraph, start, end, key) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        (rowid, p.level, p.index, p.paragraph, p.start, p.end, key_of(p))
                        for p in seg.passages
                    ),
                )
                added += 1
        return added

    def set_meta(self, key: str, value: str) -> None:
        with self._conn:
            self._conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def get_meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    # --------------------------------------------------------------- templates
    def save_templates(
        self,
        templates: Sequence[dict],
        members: Sequence[tuple[int, int, float]],
        stories: dict[str, str],
        params: dict,
        clauses: Iterable[tuple[int, str]] = (),
    ) -> None:
        """Replace the mined templates (JSON each), their members, the story groups and the
        recurring-clause table (key hash, JSON entry), in one transaction."""
        with self._conn:
            self._conn.execute(_CLAUSES_TABLE)  # stores made before the table existed
            self._conn.execute("DELETE FROM clauses")
            self._conn.executemany("INSERT INTO clauses VALUES (?, ?)", clauses)
            self._conn.execute("DELETE FROM templates")
            self._conn.execute("DELETE FROM template_members")
            self._conn.execute("DELETE FROM stories")
            self._conn.executemany(
                "INSERT INTO stories VALUES (?, ?)", ((a, s) for a, s in stories.items() if a != s)
            )
            self._conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('template_params', ?)",
                (json.dumps(params, sort_keys=True),),
            )
            self._conn.executemany(
                "INSERT INTO templates VALUES (?, ?)", ((t["id"], json.dumps(t)) for t in templates)
            )
            self._conn.executemany("INSERT INTO template_members VALUES (?, ?, ?)", members)
            self._conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('templates_at_count', ?)",
                (str(self.count("article")),),
            )

    def has_clauses(self) -> bool:
        """True when the store holds a clause table (stores mined before it existed don't)."""
        row = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='clauses'"
        ).fetchone()
        return row is not None

    def clause_entries(self, keys: Sequence[int]) -> dict[int, str]:
        """JSON entries of the clause table for the given key hashes (those it holds)."""
        out: dict[int, str] = {}
        for chunk in _chunks(list(keys), 500):  # SQLite caps bound parameters
            marks = ",".join("?" * len(chunk))
            out.update(
                self._conn.execute(
                    f"SELECT key, data FROM clauses WHERE key IN ({marks})", chunk
                ).fetchall()
            )
        return out

    def load_templates(self) -> list[dict]:
        rows = self._conn.execute("SELECT data FROM templates ORDER BY id").fetchall()
        return [json.loads(r[0]) for r in rows]

    def stories(self) -> dict[str, str]:
        """Article id -> story id for articles in a near-duplicate group (others: themselves)."""
        return dict(self._conn.execute("SELECT article, story FROM stories").fetchall())

    def level_texts(self, level: str) -> tuple[np.ndarray, list[str], list[str]]:
        """(passage ids, article ids, texts) of every passage of ``level``, ordered by id."""
        rows = self._conn.execute(
            "SELECT p.id, a.id, substr(a.text, p.start + 1, p.end - p.start) FROM passages p "
            "JOIN articles a ON a.rowid = p.article WHERE p.level=? ORDER BY p.id",
            (level,),
        ).fetchall()
        ids = np.asarray([r[0] for r in rows], dtype=np.int64)
        return ids, [r[1] for r in rows], [r[2] for r in rows]

    def new_passages(self, since_rowid: int) -> list[tuple[int, str, str]]:
        """(id, level, key) of passages of articles with rowid > ``since_rowid``."""
        return self._conn.execute(
            "SELECT id, level, key FROM passages WHERE article > ? ORDER BY id", (since_rowid,)
        ).fetchall()

    def new_articles(self, since_rowid: int) -> list[tuple[int, str]]:
        """(rowid, document key) of articles with rowid > ``since_rowid``."""
        return self._conn.execute(
            "SELECT rowid, key FROM articles WHERE rowid > ? ORDER BY rowid", (since_rowid,)
        ).fetchall()

    def max_article_rowid(self) -> int:
        row = self._conn.execute("SELECT MAX(rowid) FROM articles").fetchone()
        return int(row[0] or 0)

    def template_members(self) -> list[tuple[int, int, float]]:
        return self._conn.execute(
            "SELECT template, passage, similarity FROM template_members"
        ).fetchall()

    # ----------------------------------------------------------------- indexes
    def index_path(self, level: str) -> Path:
        return self.path / f"index-{level}.faiss"

    def index(self, level: str, *, kind: str | None = None):  # noqa: ANN201 - VectorIndex
        """The FAISS index of ``level``, rebuilt from stored vectors when missing or stale."""

        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
        cached = self._indexes.get(level)
        expected = self.count(level)
        if cached is not None and len(cached) == expected:
            return cached
        layout = self.shard_layout()
        if layout is not None:
            from .shards import open_sharded

            self._indexes[level] = open_sharded(self, level, layout, kind)
            return self._indexes[level]
        idx = self.load_index_file(self.index_path(level), expected)
        if idx is None:
            idx = self.rebuild_index(level, kind=kind)
        self._indexes[level] = idx
        return idx

    def load_index_file(self, path: Path, expected: int):  # noqa: ANN201 - VectorIndex | None
        """The index saved at ``path`` when it is readable and holds ``expected`` vectors of
        this store's dimension; None (a damaged file is logged) when it must be rebuilt."""
        from .index import VectorIndex

        if not path.is_file():
            return None
        try:
            idx = VectorIndex.load(path)
        except StoreError as exc:
            log.warning("%s; rebuilding it from the stored vectors", exc)
            return None
        if len(idx) != expected or idx.dimension != self.meta.dimension:
            return None
        return idx

    def rebuild_index(self, level: str, *, kind: str | None = None):  # noqa: ANN201
        """Build the index of ``level`` from the stored vectors and save it atomically."""
        from .index import VectorIndex

        layout = self.shard_layout()
        if layout is not None:
            from .shards import rebuild_sharded

            self._indexes[level] = rebuild_sharded(self, level, layout, kind)
            return self._indexes[level]
        ids, vecs = self.level_vectors(level)
        kind = kind or self.meta.index_kind
        log.info("building %s index of %d %s vectors", kind, len(ids), level)
        idx = VectorIndex.build(vecs, ids, kind=kind) if len(ids) else None
        if idx is None:
            idx = VectorIndex.build(np.zeros((0, self.meta.dimension), np.float32), ids, "flat")
        idx.save(self.index_path(level))
        self._indexes[level] = idx
        return idx

    def extend_index(
        self, level: str, ids: np.ndarray, vecs: np.ndarray, *, save: bool = True
    ) -> None:
        """Append new vectors to the index of ``level`` and save it.

        With ``save=False`` the file is left stale until :meth:`save_indexes` (a bulk add
        saves every so often instead of per batch: each save rewrites the whole index, so
        per-batch saves grow quadratically with the corpus). A stale file is detected by its
        size and rebuilt, so a crash in between costs a rebuild, never a wrong answer.
        """
        idx = self._indexes.get(level)
        if idx is None or len(idx) + len(ids) != self.count(level):
            self._indexes.pop(level, None)
            self.index(level)  # rebuilds from SQLite, which already holds the new rows
            return
        layout = self.shard_layout()
        if layout is not None:  # new articles have the highest rowids: the last shard
            from .shards import extend_sharded

            self._indexes[level] = extend_sharded(self, level, layout, idx, ids, vecs)
            return
        idx.add(vecs, ids)
        if self._outgrown(idx):
            # The corpus grew past what this index kind/size was chosen for.
            self.rebuild_index(level)
            self._unsaved.discard(level)
            return
        if save:
            idx.save(self.index_path(level))
            self._unsaved.discard(level)
        else:
            self._unsaved.add(level)

    def save_indexes(self) -> None:
        """Save the indexes extended with ``save=False`` since their last save."""
        for level in sorted(self._unsaved):
            idx = self._indexes.get(level)
            if idx is not None and len(idx) == self.count(level):
                idx.save(self.index_path(level))
        self._unsaved.clear()

    def _outgrown(self, idx) -> bool:  # noqa: ANN001 - VectorIndex
        """Whether ``idx`` should be rebuilt for its current size. "auto" stores follow
        ``choose_kind``; a forced IVF kind keeps its kind but not the list count it was
        trained with on the first batch (lists grow long and slow), nor the flat fallback
        it got while it had too few vectors to train."""
        if self.meta.index_kind == "auto":
            return bool(idx.outgrown())
        from .index import IVF_MIN_VECTORS, ivf_nlist

        if not self.meta.index_kind.startswith("ivf"):
            return False
        n = len(idx)
        if idx.kind == "flat":
            return n >= IVF_MIN_VECTORS
        nlist = getattr(idx._index, "nlist", None)  # the FAISS IVF index inside
        return nlist is not None and ivf_nlist(n) > 2 * int(nlist)

    def cache_index(self, level: str, index: object) -> None:
        """Serve ``level`` from ``index`` (e.g. a distributed view of the same shards) for as
        long as its size matches the store; :meth:`forget_index` drops it."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
        self._indexes[level] = index

    def forget_index(self, level: str) -> None:
        """Drop the in-memory index of ``level``; the next use reads the files again."""
        self._indexes.pop(level, None)

    def shard_layout(self):  # noqa: ANN201 - shards.ShardLayout | None
        """The article-rowid ranges of the index shards; None for a plain store."""
        from .shards import read_layout

        return read_layout(self)

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())


def key_of(passage: Passage) -> str:
    from .embed import text_key

    return text_key(passage.text)


def _connect(db: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(str(db), timeout=30.0, isolation_level=None)
        conn.isolation_level = ""  # deferred transactions through the context manager
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"{db} is not a readable protocol_match store ({exc}); move it away and rebuild "
            "the store with `protocol-match index`."
        ) from exc
    return conn


def _read_meta(conn: sqlite3.Connection, path: Path) -> StoreMeta:
    try:
        values = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        version = int(values["format_version"])
        meta = StoreMeta(
            format_version=version,
            model=values["model"],
            fingerprint=values["fingerprint"],
            dimension=int(values["dimension"]),
            index_kind=values.get("index_kind", "auto"),
            backend=values.get("backend", "torch"),
        )
    except (KeyError, ValueError, sqlite3.DatabaseError) as exc:
        raise StoreError(
            f"{path / DB_NAME} has no valid store metadata ({exc}); it is not a protocol_match "
            "store or it is damaged."
        ) from exc
    if version > FORMAT_VERSION:
        raise StoreError(
            f"The store at {path} has format version {version}, newer than this protocol_match "
            f"understands ({FORMAT_VERSION}); upgrade with `pip install -U protocol-match`."
        )
    return meta


def _rowid_filter(column: str, rowids: tuple[int, int | None] | None) -> tuple[str, tuple]:
    """SQL condition (and parameters) restricting ``column`` to the range ``rowids``."""
    if rowids is None:
        return "", ()
    lo, hi = rowids
    if hi is None:
        return f"{column} >= ?", (lo,)
    return f"{column} >= ? AND {column} < ?", (lo, hi)


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "w") -> Iterator[IO]:
    """A file handle whose content replaces ``path`` only when the block ends without error:
    written to a temporary file in the same folder, fsynced, renamed, folder fsynced. On an
    error the temporary file is removed and ``path`` is untouched. ``mode``: "w" (UTF-8
    text) or "wb"."""
    import tempfile

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """fsync a directory so a rename inside it is durable."""
    with contextlib.suppress(OSError):
        fd = os.open(str(path), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
