"""User labels: passages marked boilerplate/content, and curated (confirmed/rejected) templates.

Labels live in the store's SQLite database in two tables of their own, which indexing and
template mining never touch, so they survive re-indexing and re-mining:

- ``labels``: one row per labelled text (sentence or paragraph), keyed by its text key, so
  labelling the same text again replaces the earlier label;
- ``template_curation``: the user's verdict on a mined template, keyed by the text key of the
  template's canonical (medoid) text, because template ids change whenever mining runs again.

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

from .embed import text_key
from .errors import InputError
from .records import Template, TemplateMember
from .store import Store, atomic_file

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


# ----------------------------------------------------------------- applying template verdicts


_KEYS: dict[tuple[int, str, int], frozenset[str]] = {}


def _keys(template: Template) -> frozenset[str]:
    """Text keys of a template's canonical text and members (memoized: hashing is not free)."""
    ident = (template.id, template.text, len(template.members))
    found = _KEYS.get(ident)
    if found is None:
        if len(_KEYS) > 100_000:
            _KEYS.clear()
        found = _KEYS[ident] = frozenset(
            [text_key(template.text), *(text_key(m.text) for m in template.members)]
        )
    return found


def _matches(template: Template, key: str) -> bool:
    """Whether ``template`` is the curated one: its canonical text, or one of its members'."""
    return key in _keys(template)


def curation_labels(
    store: Store, templates: Sequence[Template], members: int = 5
) -> tuple[list[Label], frozenset[int]]:
    """Labels implied by template verdicts (confirmed: boilerplate, rejected: content), and
    the passage ids of rejected templates' members."""
    out: list[Label] = []
    rejected: set[int] = set()
    for c in load_curations(store):
        if c.action is None:
            continue
        kind: LabelKind = "boilerplate" if c.action == "confirm" else "content"
        out.append(Label(c.text, kind, c.name))
        for t in templates:
            if _matches(t, c.key):
                out.extend(Label(m.text, kind, c.name, m.article_id) for m in t.members[:members])
                if c.action == "reject":
                    rejected.update(m.passage_id for m in t.members)
    return out, frozenset(rejected)


def curate_templates(
    store: Store,
    templates: list[Template],
    template_of: dict[int, int],
    *,
    threshold: float,
) -> tuple[list[Template], dict[int, int]]:
    """Mined templates after the user's verdicts: rejected ones left out, confirmed ones kept
    even when mining no longer finds enough support (rebuilt from their nearest passages).

    Returns the inputs themselves when there are no verdicts.
    """
    curations = [c for c in load_curations(store) if c.action is not None]
    if not curations:
        return templates, template_of
    rejected = [c.key for c in curations if c.action == "reject"]
    drop = {t.id for t in templates for key in rejected if _matches(t, key)}
    kept = [t for t in templates if t.id not in drop]
    mapping = {pid: tid for pid, tid in template_of.items() if tid not in drop}
    next_id = max((t.id for t in templates), default=0) + 1
    for c in curations:
        if c.action != "confirm" or any(_matches(t, c.key) for t in kept):
            continue
        rebuilt = _rebuild_template(store, c, next_id, threshold)
        if rebuilt is not None:
            kept.append(rebuilt)
            mapping.update((m.passage_id, rebuilt.id) for m in rebuilt.members)
            next_id += 1
    return kept, mapping


def _rebuild_template(store: Store, c: Curation, tid: int, threshold: float) -> Template | None:
    """A confirmed template that mining dropped: its text plus the stored passages matching it."""
    from .judge import Candidate, score_candidates
    from .mining import is_chrome
    from .scoring import slot_form

    vec = store.vectors_for_keys([c.key]).get(c.key)
    level = c.level if c.level in ("sentence", "paragraph") else "sentence"
    index = store.index(level)
    if vec is None or len(index) == 0:
        return None
    sims, ids = index.search(vec[None, :].astype("float32"), min(len(index), 50))
    rows = store.passages([int(i) for i in ids[0] if i >= 0])
    cands = [
        Candidate(r.id, r.article_id, r.level, r.text, float(s), r.start, r.end, r.date, r.source)
        for s, i in zip(sims[0], ids[0], strict=True)
        if (r := rows.get(int(i))) is not None
    ]
    members = [
        TemplateMember(
            cand.passage_id, cand.article_id, cand.text, round(s, 4), cand.date, cand.source
        )
        for s, cand in score_candidates(c.text, cands)
        if s >= threshold
    ]
    if not members:
        return None
    dates = sorted(m.date for m in members if m.date)
    return Template(
        id=tid,
        level=level,  # type: ignore[arg-type]
        kind="chrome" if is_chrome(c.text) else "formula",
        text=c.text,
        slot_form=slot_form([m.text for m in members[:50]], c.text),
        support=len({m.article_id for m in members}),
        articles=len({m.article_id for m in members}),
        sources=tuple(sorted({m.source for m in members if m.source})),
        first_seen=dates[0] if dates else None,
        last_seen=dates[-1] if dates else None,
        members=tuple(members),
    )


def template_names(store: Store, templates: Sequence[Template]) -> dict[int, str]:
    """Template id -> the name the user gave it."""
    names = {}
    for c in load_curations(store):
        if c.name:
            for t in templates:
                if _matches(t, c.key):
                    names[t.id] = c.name
    return names
