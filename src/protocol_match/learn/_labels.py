"""User labels: passages marked boilerplate/content, and curated (confirmed/rejected) templates.

Labels and verdicts live in the store's SQLite database in two tables of their own (see
``protocol_match.store``'s ``_labels``), which indexing and template mining never touch, so
they survive re-indexing and re-mining; verdicts are keyed by the template's canonical text,
because template ids change whenever mining runs again.

A label file is JSON Lines, one object a line::

    {"text": "...", "label": "boilerplate" | "content", "template": "wreaths", "article_id": "a1"}

``template`` and ``article_id`` are optional. Importing is all-or-nothing: the whole file is
checked first and a bad line raises :class:`InputError` naming the line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from ..embed import text_key
from ..errors import InputError
from ..store import Store, atomic_file

LabelKind = Literal["boilerplate", "content"]
LABEL_KINDS: tuple[str, ...] = ("boilerplate", "content")
CURATION_ACTIONS: tuple[str, ...] = ("confirm", "reject", "rename")


@dataclass(frozen=True)
class Label:
    """A text the user marked as boilerplate or content."""

    text: str
    label: LabelKind
    template: str | None = None
    article_id: str | None = None

    def to_dict(self) -> dict:
        """The JSON Lines form (optional fields left out when empty)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Curation:
    """The user's verdict on a template, identified by its canonical text's key."""

    key: str
    text: str
    level: str
    action: Literal["confirm", "reject"] | None  # None: only renamed
    name: str | None = None


# ----------------------------------------------------------------- parsing files


def parse_label_lines(lines: Iterable[str], source: str = "<labels>") -> list[Label]:
    """Parse JSON Lines into labels; the first bad line raises :class:`InputError`."""
    out: list[Label] = []
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}, line {no}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc.msg}); nothing was imported.") from exc
        if not isinstance(obj, dict):
            raise InputError(f"{where}: expected a JSON object; nothing was imported.")
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            raise InputError(f'{where}: missing or empty "text"; nothing was imported.')
        label = obj.get("label")
        if label == "?":
            raise InputError(
                f'{where}: fill in "label" with "boilerplate" or "content" (or delete the line); '
                "nothing was imported."
            )
        if label not in LABEL_KINDS:
            raise InputError(
                f'{where}: "label" must be "boilerplate" or "content", not {label!r}; '
                "nothing was imported."
            )
        extra = {}
        for field in ("template", "article_id"):
            value = obj.get(field)
            if value is not None and not isinstance(value, str):
                raise InputError(f'{where}: "{field}" must be a string; nothing was imported.')
            extra[field] = value or None
        out.append(Label(text.strip(), label, **extra))
    return out


def read_label_file(path: str | Path) -> list[Label]:
    """Read and check a label file (``-`` for stdin)."""
    import sys

    if str(path) == "-":
        return parse_label_lines(sys.stdin, "<stdin>")
    path = Path(path)
    if not path.is_file():
        raise InputError(f"Label file {path} not found.")
    try:
        with open(path, encoding="utf-8") as fh:
            return parse_label_lines(fh, str(path))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text ({exc}); nothing was imported.") from exc


def write_label_file(labels: Sequence[Label], path: str | Path) -> None:
    """Write labels as JSON Lines (same format as the import), atomically."""
    with atomic_file(Path(path)) as fh:
        for lab in labels:
            fh.write(json.dumps(lab.to_dict(), ensure_ascii=False) + "\n")


# ----------------------------------------------------------------- the store's tables


def save_labels(store: Store, labels: Sequence[Label]) -> int:
    """Store labels in one transaction (a text labelled again takes the new label)."""
    store.save_label_rows(
        (text_key(lab.text), lab.text, lab.label, lab.template, lab.article_id) for lab in labels
    )
    return len(labels)


def load_labels(store: Store) -> list[Label]:
    """Every stored label, oldest first."""
    return [Label(*r) for r in store.label_rows()]


def labels_stamp(store: Store) -> str:
    """Changes whenever labels or curations change (for caches)."""
    return store.labels_stamp()


def save_curation(
    store: Store, text: str, level: str, *, action: str | None = None, name: str | None = None
) -> Curation:
    """Record confirm/reject (``action``) and/or a ``name`` for the template whose canonical
    text is ``text``; the other field keeps its earlier value."""
    if action is not None and action not in ("confirm", "reject"):
        raise ValueError("action must be 'confirm' or 'reject'")
    key = text_key(text)
    old = {c.key: c for c in load_curations(store)}.get(key)
    action = action if action is not None else (old.action if old else None)
    name = name if name is not None else (old.name if old else None)
    store.save_curation_row(key, text, level, action or "", name)
    return Curation(key, text, level, action, name)  # type: ignore[arg-type]


def load_curations(store: Store) -> list[Curation]:
    """Every template verdict, oldest first."""
    rows = store.curation_rows()
    return [Curation(k, t, lv, a or None, n) for k, t, lv, a, n in rows]  # type: ignore[arg-type]


def cache_vectors(store: Store, vectors: dict) -> None:
    """Add vectors of labelled texts to the store's embedding cache (keyed by text key)."""
    store.cache_vectors(vectors)
