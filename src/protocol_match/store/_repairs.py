"""The SQL behind ``check_store`` and ``rebuild_store`` (``_health``).

Checks return the rows that break one of the store's invariants (first column: the id or key
a message names); repairs change the tables, each in one transaction. What the findings mean
and in which order repairs run is ``_health``'s business.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from ._reads import StoreReads
from ._sqlite import decode_vecs, encode_vec


class StoreRepairs(StoreReads):
    """Health checks and repairs of :class:`~protocol_match.store.Store`'s tables."""

    # ------------------------------------------------------------------ checks

    def quick_check(self) -> list[str]:
        """SQLite's quick_check: ``["ok"]`` for a sound file, else its first complaints."""
        return [r[0] for r in self._conn.execute("PRAGMA quick_check(5)").fetchall()]

    def orphan_passages(self) -> list[tuple]:
        """Passages that belong to no article (passage ids)."""
        return self._conn.execute(
            "SELECT p.id FROM passages p LEFT JOIN articles a ON a.rowid = p.article "
            "WHERE a.rowid IS NULL"
        ).fetchall()

    def articles_missing_passage_vectors(self) -> list[tuple]:
        """Articles with a passage whose vector is not stored (article ids)."""
        return self._conn.execute(
            "SELECT a.id FROM passages p JOIN articles a ON a.rowid = p.article "
            "LEFT JOIN vectors v ON v.key = p.key WHERE v.key IS NULL GROUP BY a.rowid"
        ).fetchall()

    def articles_missing_vector(self) -> list[tuple]:
        """Articles without their article vector (article ids)."""
        return self._conn.execute(
            "SELECT a.id FROM articles a LEFT JOIN vectors v ON v.key = a.key WHERE v.key IS NULL"
        ).fetchall()

    def wrong_size_vectors(self) -> list[tuple]:
        """Stored vectors that are not ``dimension`` float16 values (keys)."""
        return self._conn.execute(
            "SELECT key FROM vectors WHERE length(vec) != ?", (self.meta.dimension * 2,)
        ).fetchall()

    def passages_outside_article(self) -> list[tuple]:
        """Passages whose offsets fall outside their article's text (passage ids)."""
        return self._conn.execute(
            "SELECT p.id FROM passages p JOIN articles a ON a.rowid = p.article "
            "WHERE p.start < 0 OR p.end <= p.start OR p.end > length(a.text)"
        ).fetchall()

    def articles_missing_levels(self) -> list[tuple]:
        """Articles without paragraphs or without sentences (article ids)."""
        return self._conn.execute(
            "SELECT a.id FROM articles a WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE "
            "p.article = a.rowid AND p.level = 'paragraph') OR NOT EXISTS (SELECT 1 FROM "
            "passages p WHERE p.article = a.rowid AND p.level = 'sentence')"
        ).fetchall()

    def articles_with_numbering_gaps(self) -> list[tuple]:
        """Articles whose passages of a level are not numbered 0..n-1 (article ids)."""
        return self._conn.execute(
            "SELECT a.id FROM passages p JOIN articles a ON a.rowid = p.article "
            "GROUP BY p.article, p.level HAVING MIN(p.idx) != 0 OR MAX(p.idx) + 1 != COUNT(*)"
        ).fetchall()

    def templates_naming_deleted_passages(self) -> list[tuple]:
        """Mined templates with a member passage that no longer exists (template ids)."""
        return self._conn.execute(
            "SELECT DISTINCT m.template FROM template_members m LEFT JOIN passages p "
            "ON p.id = m.passage WHERE p.id IS NULL"
        ).fetchall()

    def passage_keys_and_texts(self) -> Iterator[tuple[int, str, str]]:
        """(passage id, stored text key, text sliced from the article) of every passage."""
        return self._conn.execute(
            "SELECT p.id, p.key, substr(a.text, p.start + 1, p.end - p.start) "
            "FROM passages p JOIN articles a ON a.rowid = p.article"
        )

    def level_ids(self, level: str, rowids: tuple[int, int | None] | None = None) -> np.ndarray:
        """Ids an index of ``level`` must hold (articles: those with a vector), optionally
        only of the articles whose rowid lies in ``rowids`` (see :meth:`count`)."""
        if level == "article":
            sql = "SELECT a.rowid FROM articles a JOIN vectors v ON v.key = a.key"
            params: tuple = ()
            if rowids is not None:
                sql += " WHERE a.rowid >= ?" + (" AND a.rowid < ?" if rowids[1] is not None else "")
                params = tuple(r for r in rowids if r is not None)
            ids = self._conn.execute(sql + " ORDER BY a.rowid", params).fetchall()
            return np.asarray([r[0] for r in ids], dtype=np.int64)
        if rowids is not None:
            lo, hi = rowids
            ids = self._conn.execute(
                "SELECT id FROM passages WHERE level=? AND article >= ?"
                + (" AND article < ?" if hi is not None else "")
                + " ORDER BY id",
                (level, lo) + ((hi,) if hi is not None else ()),
            ).fetchall()
            return np.asarray([r[0] for r in ids], dtype=np.int64)
        return self.level_table(level)[0]

    # ------------------------------------------------------------------ repairs

    def delete_wrong_size_vectors(self) -> int:
        """Delete the vectors :meth:`wrong_size_vectors` lists; returns how many."""
        with self._conn:
            cur = self._conn.execute(
                "DELETE FROM vectors WHERE length(vec) != ?", (self.meta.dimension * 2,)
            )
        return cur.rowcount

    def delete_orphan_passages(self) -> int:
        """Delete the passages of no article; returns how many."""
        with self._conn:
            cur = self._conn.execute(
                "DELETE FROM passages WHERE article NOT IN (SELECT rowid FROM articles)"
            )
        return cur.rowcount

    def passages_without_vectors(self) -> list[tuple[str, str]]:
        """(text key, text) of every distinct passage text whose vector is not stored."""
        return self._conn.execute(
            "SELECT DISTINCT p.key, substr(a.text, p.start + 1, p.end - p.start) FROM passages p "
            "JOIN articles a ON a.rowid = p.article LEFT JOIN vectors v ON v.key = p.key "
            "WHERE v.key IS NULL"
        ).fetchall()

    def put_vectors(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        """Store (text key, vector) pairs, replacing stored ones, in one transaction."""
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                ((key, encode_vec(vec)) for key, vec in items),
            )

    def broken_articles(self) -> list[tuple[int, str, str | None]]:
        """(rowid, id, origin) of articles whose passages cannot all be indexed."""
        return self._conn.execute(
            "SELECT a.rowid, a.id, a.origin FROM articles a WHERE a.rowid IN ("
            " SELECT p.article FROM passages p LEFT JOIN vectors v ON v.key = p.key"
            " WHERE v.key IS NULL"
            " UNION SELECT p.article FROM passages p JOIN articles b ON b.rowid = p.article"
            " WHERE p.start < 0 OR p.end <= p.start OR p.end > length(b.text))"
            " OR NOT EXISTS (SELECT 1 FROM passages p WHERE p.article = a.rowid"
            "  AND p.level = 'paragraph')"
            " ORDER BY a.rowid"
        ).fetchall()

    def remove_articles(self, rowids: Sequence[int]) -> None:
        """Delete these articles with their passages and template memberships, in one
        transaction (all of them or none)."""
        with self._conn:
            for rid in rowids:
                self._conn.execute(
                    "DELETE FROM template_members WHERE passage IN "
                    "(SELECT id FROM passages WHERE article = ?)",
                    (rid,),
                )
                self._conn.execute("DELETE FROM passages WHERE article = ?", (rid,))
                self._conn.execute("DELETE FROM articles WHERE rowid = ?", (rid,))

    def articles_without_vector(self) -> list[tuple[int, str]]:
        """(rowid, document key) of articles whose article vector is not stored."""
        return self._conn.execute(
            "SELECT a.rowid, a.key FROM articles a LEFT JOIN vectors v ON v.key = a.key "
            "WHERE v.key IS NULL"
        ).fetchall()

    def paragraph_vectors(self, rowid: int) -> tuple[np.ndarray, np.ndarray]:
        """(character lengths, vectors) of the stored paragraphs of article ``rowid``."""
        paras = self._conn.execute(
            "SELECT p.end - p.start, v.vec FROM passages p JOIN vectors v ON v.key = p.key "
            "WHERE p.article = ? AND p.level = 'paragraph' ORDER BY p.idx",
            (rowid,),
        ).fetchall()
        mat = decode_vecs([r[1] for r in paras], self.meta.dimension)
        return np.asarray([r[0] for r in paras]), mat

    def reset_stale_templates(self, *, force: bool) -> bool:
        """Drop mined templates that name missing passages (all of them when ``force``), so
        they are mined again; returns whether they were dropped."""
        stale = self._conn.execute(
            "SELECT 1 FROM template_members m LEFT JOIN passages p ON p.id = m.passage "
            "WHERE p.id IS NULL LIMIT 1"
        ).fetchone()
        if not (stale or force):
            return False
        with self._conn:
            self._conn.execute("DELETE FROM template_members")
            self._conn.execute("DELETE FROM templates")
            self._conn.execute("DELETE FROM meta WHERE key = 'templates_at_count'")
        return True
