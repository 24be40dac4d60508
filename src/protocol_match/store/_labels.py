"""The store's tables for the user's teaching: labelled texts and template verdicts.

Two tables of their own, which indexing and template mining never touch, so they survive
re-indexing and re-mining; created on the first label or verdict:

- ``labels``: one row per labelled text (sentence or paragraph), keyed by its text key, so
  labelling the same text again replaces the earlier label;
- ``template_curation``: the user's verdict on a mined template, keyed by the text key of the
  template's canonical (medoid) text, because template ids change whenever mining runs again.

What a label or a verdict means is ``protocol_match.learn``'s business; here are the rows.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

import numpy as np

from ._reads import StoreReads
from ._sqlite import encode_vec

_LABEL_SCHEMA = """
CREATE TABLE IF NOT EXISTS labels (
    key TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    label TEXT NOT NULL,
    template TEXT,
    article_id TEXT,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS template_curation (
    key TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    level TEXT NOT NULL,
    action TEXT NOT NULL,
    name TEXT,
    created REAL NOT NULL
);
"""

LabelRow = tuple[str, str, str, str | None, str | None]  # key, text, label, template, article


class LabelTables(StoreReads):
    """The label and template-verdict tables of :class:`~protocol_match.store.Store`."""

    def _ensure_label_tables(self) -> None:
        self._conn.executescript(_LABEL_SCHEMA)

    def _has_label_tables(self) -> bool:
        row = self._conn.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='labels'"
        ).fetchone()
        return bool(row[0])

    def save_label_rows(self, rows: Iterable[LabelRow]) -> None:
        """Store (key, text, label, template, article id) rows in one transaction; a key
        stored before takes the new row."""
        self._ensure_label_tables()
        now = time.time()
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO labels VALUES (?, ?, ?, ?, ?, ?)",
                ((*row, now) for row in rows),
            )

    def label_rows(self) -> list[tuple[str, str, str | None, str | None]]:
        """(text, label, template, article id) of every stored label, oldest first."""
        if not self._has_label_tables():
            return []
        return self._conn.execute(
            "SELECT text, label, template, article_id FROM labels ORDER BY created, rowid"
        ).fetchall()

    def labels_stamp(self) -> str:
        """Changes whenever labels or template verdicts change (for caches)."""
        if not self._has_label_tables():
            return "0"
        row = self._conn.execute(
            "SELECT (SELECT COUNT(*) || ':' || COALESCE(MAX(created), 0) FROM labels) || '/' || "
            "(SELECT COUNT(*) || ':' || COALESCE(MAX(created), 0) FROM template_curation)"
        ).fetchone()
        return str(row[0])

    def save_curation_row(
        self, key: str, text: str, level: str, action: str, name: str | None
    ) -> None:
        """Store the verdict on the template whose canonical text has ``key`` ("" action:
        only named), replacing an earlier one."""
        self._ensure_label_tables()
        with self._conn:
            self._conn.execute(
                "INSERT OR REPLACE INTO template_curation VALUES (?, ?, ?, ?, ?, ?)",
                (key, text, level, action, name, time.time()),
            )

    def curation_rows(self) -> list[tuple[str, str, str, str, str | None]]:
        """(key, text, level, action, name) of every template verdict, oldest first."""
        if not self._has_label_tables():
            return []
        return self._conn.execute(
            "SELECT key, text, level, action, name FROM template_curation ORDER BY created, rowid"
        ).fetchall()

    def cache_vectors(self, vectors: Mapping[str, np.ndarray]) -> None:
        """Add vectors (by text key) to the embedding cache, keeping any already stored."""
        with self._conn:
            self._conn.executemany(
                "INSERT OR IGNORE INTO vectors VALUES (?, ?)",
                ((k, encode_vec(v)) for k, v in vectors.items()),
            )
