"""The SQLite side of a store: schema, metadata, connections and the vector encoding."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import StoreError
from ..records import Passage

FORMAT_VERSION = 1
DB_NAME = "store.sqlite"
LEVELS = ("paragraph", "sentence", "article")

SCHEMA = """
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
# No longer written (the clause rule was removed); kept so every store has the same tables.
CLAUSES_TABLE = "CREATE TABLE IF NOT EXISTS clauses (key INTEGER PRIMARY KEY, data TEXT NOT NULL)"
SCHEMA += CLAUSES_TABLE + ";\n"
# Also added after format 1: gram document frequencies per level for the verdict model's
# TF-IDF features (scoring.GramStats), as uint32 arrays.
GRAMS_TABLE = (
    "CREATE TABLE IF NOT EXISTS gram_stats "
    "(level TEXT PRIMARY KEY, passages INTEGER NOT NULL, keys BLOB NOT NULL, counts BLOB NOT NULL)"
)
SCHEMA += GRAMS_TABLE + ";\n"


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
    """Whether ``path`` holds a store (its SQLite file)."""
    return (path / DB_NAME).is_file()


def encode_vec(vec: np.ndarray) -> bytes:
    """A vector as stored: float16 bytes."""
    return np.asarray(vec, dtype=np.float16).tobytes()


def decode_vecs(blobs: Sequence[bytes], dimension: int) -> np.ndarray:
    """Stored vectors back as unit float32 rows."""
    if not blobs:
        return np.zeros((0, dimension), dtype=np.float32)
    arr = np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(len(blobs), dimension)
    out = arr.astype(np.float32)
    # Renormalize: float16 storage moves norms by ~1e-4, and inner product must stay cosine.
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out


def key_of(passage: Passage) -> str:
    """The text key a passage's vector is stored under."""
    from ..embed import text_key

    return text_key(passage.text)


def connect(db: Path) -> sqlite3.Connection:
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


def read_meta(conn: sqlite3.Connection, path: Path) -> StoreMeta:
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


def rowid_filter(column: str, rowids: tuple[int, int | None] | None) -> tuple[str, tuple]:
    """SQL condition (and parameters) restricting ``column`` to the range ``rowids``."""
    if rowids is None:
        return "", ()
    lo, hi = rowids
    if hi is None:
        return f"{column} >= ?", (lo,)
    return f"{column} >= ? AND {column} < ?", (lo, hi)


def chunks(items: list, size: int) -> Iterator[list]:
    """``items`` in slices of ``size`` (SQLite caps bound parameters)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
