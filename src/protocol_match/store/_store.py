"""The store: the one package that touches disk (SQLite metadata, vectors, index files).

Opening, locking and writing live here; see the package docstring for a store's layout.
SQLite is the source of truth and every batch of articles is one transaction, so a crash
leaves the store either before or after the batch.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelMismatchError, StoreError, StoreLockedError, StoreNotFoundError
from ..records import Segmented
from ._feed import FeedTables
from ._indexes import StoreIndexes
from ._labels import LabelTables
from ._repairs import StoreRepairs
from ._sqlite import (
    CLAUSES_TABLE,
    DB_NAME,
    FORMAT_VERSION,
    GRAMS_TABLE,
    SCHEMA,
    connect,
    encode_vec,
    key_of,
    read_meta,
    store_exists,
)


class Store(StoreIndexes, StoreRepairs, LabelTables, FeedTables):
    """A protocol_match store directory. Use :meth:`create` or :meth:`open`.

    The methods live in mixins by idea: reading (``_reads``), the index files
    (``_indexes``), health checks and repairs (``_repairs``), the label tables
    (``_labels``), search, events and summaries (``_feed``); here are opening, locking and
    writing.
    """

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
        conn = connect(path / DB_NAME)
        with conn:
            conn.executescript(SCHEMA)
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
        store = cls(path, conn, read_meta(conn, path))
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
        conn = connect(path / DB_NAME)
        try:
            meta = read_meta(conn, path)
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
                ((k, encode_vec(v)) for k, v in vectors.items() if k not in have),
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

    def save_templates(
        self,
        templates: Sequence[dict],
        members: Sequence[tuple[int, int, float]],
        stories: dict[str, str],
        params: dict,
        grams: Mapping[str, tuple[int, np.ndarray, np.ndarray]] | None = None,
    ) -> None:
        """Replace the mined templates (JSON each), their members, the story groups and the
        gram document frequencies (level -> passages, sorted uint32 keys, uint32 counts), in
        one transaction. The clause table of earlier versions is emptied."""
        with self._conn:
            self._conn.execute(CLAUSES_TABLE)  # stores made before the table existed
            self._conn.execute(GRAMS_TABLE)
            self._conn.execute("DELETE FROM clauses")
            self._conn.execute("DELETE FROM gram_stats")
            self._conn.executemany(
                "INSERT INTO gram_stats VALUES (?, ?, ?, ?)",
                (
                    (level, int(n), np.asarray(k, "<u4").tobytes(), np.asarray(c, "<u4").tobytes())
                    for level, (n, k, c) in (grams or {}).items()
                ),
            )
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

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())
