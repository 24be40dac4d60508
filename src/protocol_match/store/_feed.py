"""The store's tables for following a store live: full-text search, arrival events and the
article summaries that the web app lists.

Created on first use by :meth:`FeedTables.ensure_feed_tables` (``serve`` and ``watch`` call
it), so stores that never serve pay nothing:

- ``passage_search``: an FTS5 table over the text of every paragraph, kept in step with the
  ``passages`` table by two triggers (every writer, this version or another, fires them);
  filled from the existing paragraphs in the same transaction that creates it;
- ``events``: what ``watch`` (and articles added from the web app) reported, one JSON object
  per row, unique per (kind, key) so an event is recorded once however often it is retried;
  ``delivered`` marks the ones already printed;
- ``article_summaries``: novelty, counts, nearest article and story of a compared article,
  as of when it was compared (a cache: dropping it loses nothing that cannot be recomputed).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ._reads import StoreReads

FEED_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS passage_search USING fts5(
    text, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS passage_search_add AFTER INSERT ON passages
WHEN new.level = 'paragraph' BEGIN
    INSERT INTO passage_search (rowid, text)
    SELECT new.id, substr(a.text, new.start + 1, new.end - new.start)
    FROM articles a WHERE a.rowid = new.article;
END;
CREATE TRIGGER IF NOT EXISTS passage_search_del AFTER DELETE ON passages
WHEN old.level = 'paragraph' BEGIN
    DELETE FROM passage_search WHERE rowid = old.id;
END;
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    data TEXT NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, key)
);
CREATE TABLE IF NOT EXISTS article_summaries (
    article TEXT PRIMARY KEY,
    novelty REAL NOT NULL,
    data TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_day ON articles (COALESCE(date, date(added_at, 'unixepoch')));
"""
# Marks around the matched words in search snippets: control characters that normalized
# article text never holds, so the caller can escape the text and then mark the matches.
MARK_START, MARK_END = "\x02", "\x03"
# An article's day for the list: its date, else the day it arrived in the store.
_DAY = "COALESCE(a.date, date(a.added_at, 'unixepoch'))"


@dataclass(frozen=True)
class ArticleRow:
    """One article as the list shows it, with its summary when it has one."""

    rowid: int
    id: str
    date: str | None
    source: str | None
    title: str | None
    origin: str | None
    added_at: float
    chars: int
    novelty: float | None = None
    summary: dict | None = None  # counts, nearest, story: as saved by save_summary


@dataclass(frozen=True)
class SearchHit:
    """A paragraph matching a full-text query, with a snippet (matches between marks)."""

    passage_id: int
    article_id: str
    paragraph: int
    snippet: str
    date: str | None
    source: str | None
    title: str | None


@dataclass(frozen=True)
class EventRow:
    id: int
    at: float
    kind: str
    key: str
    data: dict
    delivered: bool


class FeedTables(StoreReads):
    """Search, events and summaries of :class:`~protocol_match.store.Store`."""

    def has_feed_tables(self) -> bool:
        row = self._conn.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='events'"
        ).fetchone()
        return bool(row[0])

    def ensure_feed_tables(self) -> bool:
        """Create the search index (filled from the stored paragraphs), the events and the
        summaries tables when missing, in one transaction. Returns whether it created them."""
        if self.has_feed_tables():
            return False
        with self._conn:
            self._conn.execute("BEGIN IMMEDIATE")  # no writer slips in between
            if self._conn.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='events'"
            ).fetchone()[0]:
                return False
            for statement in _statements(FEED_SCHEMA):
                self._conn.execute(statement)
            self._conn.execute(
                "INSERT INTO passage_search (rowid, text) "
                "SELECT p.id, substr(a.text, p.start + 1, p.end - p.start) FROM passages p "
                "JOIN articles a ON a.rowid = p.article WHERE p.level = 'paragraph'"
            )
        return True

    # ------------------------------------------------------------ articles and search
    def list_articles(
        self,
        *,
        source: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        novelty_min: float | None = None,
        novelty_max: float | None = None,
        article_ids: Sequence[str] | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[ArticleRow], int]:
        """Articles newest first matching the filters, and how many match in all. An article
        without a date is dated by its arrival in the store. A novelty filter keeps only
        articles that have a summary."""
        where, params = [], []
        if source:
            where.append("a.source = ?")
            params.append(source)
        if date_from:
            where.append(f"{_DAY} >= ?")
            params.append(date_from)
        if date_to:
            where.append(f"{_DAY} <= ?")
            params.append(date_to + "\uffff")  # the whole day of a date-time
        if novelty_min is not None:
            where.append("s.novelty >= ?")
            params.append(float(novelty_min))
        if novelty_max is not None:
            where.append("s.novelty <= ?")
            params.append(float(novelty_max))
        if article_ids is not None:
            if not article_ids:
                return [], 0
            where.append(f"a.id IN ({','.join('?' * len(article_ids))})")
            params.extend(article_ids)
        sql_where = (" WHERE " + " AND ".join(where)) if where else ""
        base = " FROM articles a LEFT JOIN article_summaries s ON s.article = a.id" + sql_where
        if where:
            total = int(self._conn.execute("SELECT COUNT(*)" + base, params).fetchone()[0])
        else:
            total = self.count("article")  # remembered until the store changes
        rows = self._conn.execute(
            "SELECT a.rowid, a.id, a.date, a.source, a.title, a.origin, a.added_at, "
            "length(a.text), s.novelty, s.data" + base + f" ORDER BY {_DAY} DESC, a.rowid DESC "
            "LIMIT ? OFFSET ?",
            (*params, int(limit), int(offset)),
        ).fetchall()
        out = [ArticleRow(*r[:9], json.loads(r[9]) if r[9] else None) for r in rows]
        return out, total

    def article_sources(self) -> list[tuple[str, int]]:
        """(source, articles) of every source, most articles first."""
        return self._conn.execute(
            "SELECT source, COUNT(*) FROM articles WHERE source IS NOT NULL "
            "GROUP BY source ORDER BY COUNT(*) DESC, source"
        ).fetchall()

    def search_passages(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Paragraphs matching an FTS5 ``query`` (words; "quoted phrases"), best first."""
        rows = self._conn.execute(
            "SELECT p.id, a.id, p.paragraph, "
            f"snippet(passage_search, 0, '{MARK_START}', '{MARK_END}', '…', 24), "
            "a.date, a.source, a.title FROM passage_search "
            "JOIN passages p ON p.id = passage_search.rowid "
            "JOIN articles a ON a.rowid = p.article "
            "WHERE passage_search MATCH ? ORDER BY rank LIMIT ?",
            (query, int(limit)),
        ).fetchall()
        return [SearchHit(*r) for r in rows]

    def articles_of_passages(self, passage_ids: Iterable[int]) -> list[tuple[int, str]]:
        """(passage id, article id) of stored passages."""
        ids = [int(i) for i in passage_ids]
        out: list[tuple[int, str]] = []
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            out += self._conn.execute(
                "SELECT p.id, a.id FROM passages p JOIN articles a ON a.rowid = p.article "
                f"WHERE p.id IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
        return out

    def article_meta(self, article_ids: Sequence[str]) -> dict[str, tuple]:
        """article id -> (date, source, title) of stored articles."""
        out: dict[str, tuple] = {}
        ids = list(article_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = self._conn.execute(
                "SELECT id, date, source, title FROM articles "
                f"WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            out.update((r[0], tuple(r[1:])) for r in rows)
        return out

    def unsummarized(self, limit: int = 1) -> list[str]:
        """Ids of the newest articles that have no summary yet."""
        rows = self._conn.execute(
            "SELECT a.id FROM articles a LEFT JOIN article_summaries s ON s.article = a.id "
            "WHERE s.article IS NULL ORDER BY a.rowid DESC LIMIT ?",
            (int(limit),),
        ).fetchall()
        return [r[0] for r in rows]

    def save_summary(self, article_id: str, novelty: float, data: dict[str, Any]) -> None:
        """Remember what comparing an article found (replaces an earlier summary)."""
        with self._conn:
            self._conn.execute(
                "INSERT OR REPLACE INTO article_summaries VALUES (?, ?, ?, ?)",
                (article_id, float(novelty), json.dumps(data, ensure_ascii=False), time.time()),
            )

    # ------------------------------------------------------------ events
    def add_event(
        self, kind: str, key: str, data: dict[str, Any], at: float | None = None
    ) -> int | None:
        """Record an event (at ``at``, default now); None when one of this kind and key was
        recorded before."""
        with self._conn:
            cur = self._conn.execute(
                "INSERT OR IGNORE INTO events (at, kind, key, data) VALUES (?, ?, ?, ?)",
                (at or time.time(), kind, key, json.dumps(data, ensure_ascii=False)),
            )
        return int(cur.lastrowid) if cur.rowcount else None

    def record_events(
        self,
        events: Sequence[tuple[str, str, dict[str, Any]]],
        summary: tuple[str, float, dict[str, Any]] | None = None,
    ) -> list[tuple[int, float] | None]:
        """Record (kind, key, data) events and an article summary in one transaction: all
        of them or none. Returns (id, time) per event, None for one recorded before."""
        out: list[tuple[int, float] | None] = []
        with self._conn:
            for kind, key, data in events:
                at = time.time()
                cur = self._conn.execute(
                    "INSERT OR IGNORE INTO events (at, kind, key, data) VALUES (?, ?, ?, ?)",
                    (at, kind, key, json.dumps(data, ensure_ascii=False)),
                )
                out.append((int(cur.lastrowid), at) if cur.rowcount else None)
            if summary is not None:
                article, novelty, data = summary
                self._conn.execute(
                    "INSERT OR REPLACE INTO article_summaries VALUES (?, ?, ?, ?)",
                    (article, float(novelty), json.dumps(data, ensure_ascii=False), time.time()),
                )
        return out

    def has_event(self, kind: str, key: str) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM events WHERE kind = ? AND key = ?", (kind, key)
        ).fetchone()
        return row is not None

    def events(
        self, *, after: int = 0, limit: int = 100, undelivered: bool = False
    ) -> list[EventRow]:
        """Events with id > ``after``, oldest first (``undelivered``: not yet printed)."""
        rows = self._conn.execute(
            "SELECT id, at, kind, key, data, delivered FROM events WHERE id > ?"
            + (" AND delivered = 0" if undelivered else "")
            + " ORDER BY id LIMIT ?",
            (int(after), int(limit)),
        ).fetchall()
        return [EventRow(r[0], r[1], r[2], r[3], json.loads(r[4]), bool(r[5])) for r in rows]

    def latest_events(self, limit: int = 30) -> list[EventRow]:
        """The newest events, newest first."""
        rows = self._conn.execute(
            "SELECT id, at, kind, key, data, delivered FROM events ORDER BY id DESC LIMIT ?",
            (int(limit),),
        ).fetchall()
        return [EventRow(r[0], r[1], r[2], r[3], json.loads(r[4]), bool(r[5])) for r in rows]

    def mark_delivered(self, event_ids: Iterable[int]) -> None:
        ids = [int(i) for i in event_ids]
        if not ids:
            return
        with self._conn:
            self._conn.executemany(
                "UPDATE events SET delivered = 1 WHERE id = ?", [(i,) for i in ids]
            )


def _statements(script: str) -> list[str]:
    """The statements of ``script`` (triggers hold semicolons of their own)."""
    out, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current)
        if line.rstrip().endswith(";") and ("BEGIN" not in text or line.strip().upper() == "END;"):
            out.append(text)
            current = []
    return out
