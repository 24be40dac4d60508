"""Reading a store's SQLite tables: articles, passages, vectors, metadata, mined templates."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from ..records import Article
from ._sqlite import PassageRow, StoreMeta, chunks, decode_vecs, rowid_filter


class StoreReads:
    """The read queries of :class:`~protocol_match.store.Store` (which adds writing, the
    index files, health queries and the label tables on top)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, meta: StoreMeta) -> None:
        self.path = path
        self._conn = conn
        self.meta = meta
        self._indexes: dict[str, object] = {}
        self._counts: dict[str, tuple[tuple[int, int], int]] = {}
        self._unsaved: set[str] = set()  # levels extended in memory, file not yet rewritten
        self._created: str | None = None  # "dir"/"files" when create() made it in this process

    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        found: set[str] = set()
        for chunk in chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(f"SELECT id FROM articles WHERE id IN ({marks})", chunk)
            found.update(r[0] for r in rows)
        return found

    def vectors_for_keys(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Cached vectors for text keys (the persistent embedding cache)."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        for chunk in chunks(keys, 500):
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk
            ).fetchall()
            if rows:
                vecs = decode_vecs([r[1] for r in rows], self.meta.dimension)
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
        where, params = rowid_filter("article" if level != "article" else "rowid", rowids)
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
        for chunk in chunks(list(rowids), 500):
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
        for chunk in chunks([int(i) for i in ids], 500):
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
            where, params = rowid_filter("a.rowid", rowids)
            sql = "SELECT a.rowid, v.vec FROM articles a JOIN vectors v ON v.key = a.key"
            sql += (" WHERE " + where if where else "") + " ORDER BY a.rowid"
            rows = self._conn.execute(sql, params).fetchall()
        else:
            where, params = rowid_filter("p.article", rowids)
            rows = self._conn.execute(
                "SELECT p.id, v.vec FROM passages p JOIN vectors v ON v.key = p.key "
                "WHERE p.level=?" + (" AND " + where if where else "") + " ORDER BY p.id",
                (level, *params),
            ).fetchall()
        ids = np.asarray([r[0] for r in rows], dtype=np.int64)
        return ids, decode_vecs([r[1] for r in rows], self.meta.dimension)

    def article_rowids(self, article_ids: Iterable[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in chunks(list(article_ids), 500):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id, rowid FROM articles WHERE id IN ({marks})"
            out.update(dict(self._conn.execute(sql, chunk).fetchall()))
        return out

    def get_meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def load_templates(self) -> list[dict]:
        rows = self._conn.execute("SELECT data FROM templates ORDER BY id").fetchall()
        return [json.loads(r[0]) for r in rows]

    def stories(self) -> dict[str, str]:
        """Article id -> story id for articles in a near-duplicate group (others: themselves)."""
        return dict(self._conn.execute("SELECT article, story FROM stories").fetchall())

    def has_gram_stats(self) -> bool:
        """True when the last mining saved gram frequencies (stores mined before they
        existed have none and are mined again once)."""
        row = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='gram_stats'"
        ).fetchone()
        return (
            row is not None
            and self._conn.execute("SELECT 1 FROM gram_stats").fetchone() is not None
        )

    def gram_stats(self, level: str) -> tuple[int, np.ndarray, np.ndarray] | None:
        """(passages, sorted keys, counts) of ``level`` saved by the last mining, or None."""
        if not self.has_gram_stats():
            return None
        row = self._conn.execute(
            "SELECT passages, keys, counts FROM gram_stats WHERE level = ?", (level,)
        ).fetchone()
        if row is None:
            return None
        n, keys, counts = row
        return (
            int(n),
            np.frombuffer(keys, "<u4").astype(np.uint32),
            np.frombuffer(counts, "<u4").astype(np.uint32),
        )

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
