"""Store health: find what is wrong with a store, and rebuild what can be rebuilt.

SQLite is the source of truth; the FAISS files are derived from its ``vectors`` table.
:func:`check_store` looks for every inconsistency a crash, a disk fault or a hand edit can
leave behind and classifies it:

* ``error``: data is damaged or out of step (SQLite integrity, a passage without its vector,
  a vector of the wrong size, offsets outside their article, an unreadable index file).
* ``warning``: derived data is stale or missing (an index file that lags behind SQLite after
  a crash between a commit and the index write, template members of deleted passages). The
  store repairs these by itself on next use.

:func:`rebuild_store` repairs everything that is intact without loading the model: index
files are rebuilt from the stored vectors, missing article vectors are recomputed from
their paragraph vectors, and articles that lost passage vectors are removed (listed, so
they can be indexed again) unless an embedder is passed to re-embed the missing texts.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from ..errors import StoreError
from ._index import VectorIndex, index_ids
from ._shards import index_files, shard_file_name
from ._sqlite import DB_NAME, LEVELS, store_exists
from ._store import Store

log = logging.getLogger(__name__)

Severity = Literal["error", "warning"]
_SHOW = 5  # how many offending ids a message names


@dataclass(frozen=True)
class Issue:
    """One problem found in a store."""

    severity: Severity
    where: str  # the file (or table) concerned
    message: str


@dataclass(frozen=True)
class HealthReport:
    """What :func:`check_store` found."""

    path: str
    articles: int
    paragraphs: int
    sentences: int
    vectors: int
    issues: tuple[Issue, ...]

    @property
    def healthy(self) -> bool:
        """True when nothing is damaged (warnings are repaired on next use)."""
        return not any(i.severity == "error" for i in self.issues)


@dataclass(frozen=True)
class RebuildReport:
    """What :func:`rebuild_store` did."""

    removed_articles: tuple[str, ...]  # ids of articles that lost vectors (index them again)
    removed_origins: tuple[str, ...]  # their origins (file or file:line), where known
    orphan_passages: int
    bad_vectors: int  # vector rows of the wrong size, deleted
    embedded: int  # missing passage vectors re-embedded (only with an embedder)
    doc_vectors: int  # article vectors recomputed from paragraph vectors
    templates_reset: bool
    indexes: dict[str, int]  # level -> vectors in the rebuilt index


# ------------------------------------------------------------------------------ checking


def check_store(path: str | Path, *, deep: bool = False) -> HealthReport:
    """Check the store at ``path``; raises :class:`StoreError` when it cannot be opened.

    ``deep`` also re-hashes every passage's text against its stored key (reads all text).
    """
    path = Path(path)
    with Store.open(path) as store:
        issues: list[Issue] = []
        db = str(path / DB_NAME)
        try:
            bad = _integrity(store)
            if bad:
                issues.append(Issue("error", db, f"SQLite integrity check failed: {bad}"))
                return _report(path, store, issues, counts=False)
            issues += _table_issues(store, db, deep)
        except sqlite3.DatabaseError as exc:
            issues.append(Issue("error", db, f"SQLite cannot read the store: {exc}"))
            return _report(path, store, issues, counts=False)
        for level in LEVELS:
            issues += _index_issues(store, level)
        return _report(path, store, issues, counts=True)


def _report(path: Path, store: Store, issues: list[Issue], counts: bool) -> HealthReport:
    n = [store.count(lv) for lv in LEVELS] + [store.count_vectors()] if counts else [-1] * 4
    return HealthReport(str(path), n[2], n[0], n[1], n[3], tuple(issues))


def _integrity(store: Store) -> str | None:
    """None when SQLite's quick_check passes, else its first complaints."""
    rows = store.quick_check()
    return None if rows == ["ok"] else "; ".join(r.replace("\n", "; ") for r in rows)


def _ids(rows: list[tuple]) -> str:
    shown = ", ".join(str(r[0]) for r in rows[:_SHOW])
    return shown + (f" and {len(rows) - _SHOW} more" if len(rows) > _SHOW else "")


def _table_issues(store: Store, db: str, deep: bool) -> list[Issue]:
    issues: list[Issue] = []

    def error(rows: list[tuple], what: str) -> None:
        if rows:
            issues.append(Issue("error", db, f"{len(rows)} {what}: {_ids(rows)}"))

    error(store.orphan_passages(), "passages belong to no article (passage ids)")
    error(
        store.articles_missing_passage_vectors(),
        "articles have passages without a stored vector (article ids)",
    )
    error(store.articles_missing_vector(), "articles have no article vector (article ids)")
    error(
        store.wrong_size_vectors(),
        f"vectors are not {store.meta.dimension} float16 values (keys)",
    )
    error(
        store.passages_outside_article(),
        "passages have offsets outside their article (passage ids)",
    )
    error(store.articles_missing_levels(), "articles lack paragraphs or sentences (article ids)")
    error(
        store.articles_with_numbering_gaps(),
        "articles have gaps in their passage numbering (article ids)",
    )
    rows = store.templates_naming_deleted_passages()
    if rows:
        issues.append(
            Issue("warning", db, f"{len(rows)} templates name deleted passages: {_ids(rows)}")
        )
    if deep:
        issues += _key_issues(store, db)
    return issues


def _key_issues(store: Store, db: str) -> list[Issue]:
    """Passages whose stored text hash no longer matches their text slice."""
    from ..embed import text_key

    bad: list[tuple[int]] = []
    for pid, key, text in store.passage_keys_and_texts():
        if text_key(text) != key:
            bad.append((pid,))
    if not bad:
        return []
    return [Issue("error", db, f"{len(bad)} passages' text does not match their key: {_ids(bad)}")]


def _index_issues(store: Store, level: str) -> list[Issue]:
    try:
        layout = store.shard_layout()
    except StoreError as exc:
        return [Issue("error", str(store.path / DB_NAME), str(exc))]
    if layout is None:
        return _file_issues(store, level, store.index_path(level), None)
    issues: list[Issue] = []
    for i in range(layout.count):
        path = store.path / shard_file_name(level, i)
        issues += _file_issues(store, level, path, layout.range_of(i))
    return issues


def _file_issues(
    store: Store, level: str, path: Path, rowids: tuple[int, int | None] | None
) -> list[Issue]:
    """Problems of one index file (a plain index, or one shard covering ``rowids``)."""
    where = str(path)
    count = store.count(level, rowids=rowids)
    what = f"{level} passages" if rowids is None else f"{level} passages of the shard's range"
    if not path.is_file():
        if count == 0:
            return []
        return [Issue("warning", where, "index file is missing; it is rebuilt on next use")]
    try:
        idx = VectorIndex.load(path)
    except StoreError as exc:
        return [Issue("error", where, str(exc))]
    if idx.dimension != store.meta.dimension:
        return [
            Issue(
                "error",
                where,
                f"index holds {idx.dimension}-d vectors, the store {store.meta.dimension}-d",
            )
        ]
    expected = store.level_ids(level, rowids)
    if len(idx) != count:
        return [
            Issue(
                "warning",
                where,
                f"index holds {len(idx)} vectors but the store {count} {what} "
                "(interrupted write); it is rebuilt on next use",
            )
        ]
    got = index_ids(idx)
    if got is not None and not np.array_equal(np.sort(got), np.sort(expected)):
        missing = np.setdiff1d(expected, got)
        return [
            Issue(
                "error",
                where,
                f"index ids differ from the store's {level} ids ({len(missing)} missing); "
                "run `protocol-match rebuild`",
            )
        ]
    return []


# ------------------------------------------------------------------------------ rebuilding


def rebuild_store(path: str | Path, *, embedder: object | None = None, wait: bool = True):  # noqa: ANN201
    """Repair the store at ``path`` from what is intact; returns a :class:`RebuildReport`.

    Never loads the model unless ``embedder`` is given (then missing passage vectors are
    embedded instead of their articles being removed). Raises :class:`StoreError` when the
    SQLite file itself is damaged: that cannot be rebuilt from inside the store.
    """
    path = Path(path)
    if not store_exists(path) and path.exists() and not path.is_dir():
        raise StoreError(f"Store path {path} is a file, not a directory; pass --store DIR.")
    with Store.open(path) as store, store.write_lock(wait=wait):
        try:
            bad = _integrity(store)
        except sqlite3.DatabaseError as exc:
            bad = str(exc)
        if bad:
            raise StoreError(
                f"{path / DB_NAME} is damaged ({bad}); it cannot be rebuilt in place: restore "
                "it from a backup or index the articles into a new --store."
            )
        # Index files go first: a crash during the repair then leaves no stale index behind.
        for level in LEVELS:
            for file in index_files(store.path, level):  # plain or sharded
                file.unlink(missing_ok=True)
        bad_vectors = store.delete_wrong_size_vectors()
        orphans = store.delete_orphan_passages()
        embedded = _embed_missing(store, embedder) if embedder is not None else 0
        broken = store.broken_articles()
        removed = _remove_articles(store, [r[0] for r in broken])
        doc_vectors = _fill_doc_vectors(store)
        templates_reset = store.reset_stale_templates(force=bool(removed or orphans))
        indexes = {level: len(store.rebuild_index(level)) for level in LEVELS}
    return RebuildReport(
        removed_articles=tuple(r[1] for r in broken if r[0] in removed),
        removed_origins=tuple(r[2] for r in broken if r[0] in removed and r[2]),
        orphan_passages=orphans,
        bad_vectors=bad_vectors,
        embedded=embedded,
        doc_vectors=doc_vectors,
        templates_reset=templates_reset,
        indexes=indexes,
    )


def _embed_missing(store: Store, embedder: object) -> int:
    rows = store.passages_without_vectors()
    if not rows:
        return 0
    vecs = embedder.encode([r[1] for r in rows])  # type: ignore[attr-defined]
    store.put_vectors((r[0], v) for r, v in zip(rows, vecs, strict=True))
    return len(rows)


def _remove_articles(store: Store, rowids: list[int]) -> set[int]:
    if not rowids:
        return set()
    store.remove_articles(rowids)  # one transaction: all of them or none
    log.warning("removed %d articles whose vectors were lost; index them again", len(rowids))
    return set(rowids)


def _fill_doc_vectors(store: Store) -> int:
    """Recompute missing article vectors: length-weighted mean of paragraph vectors."""
    from ..embed import document_vector

    out = []
    for rowid, key in store.articles_without_vector():
        lengths, mat = store.paragraph_vectors(rowid)
        out.append((key, document_vector(mat, lengths)))
    if out:
        store.put_vectors(out)
    return len(out)
