"""Template verdicts applied: rejected templates left out, confirmed ones kept (rebuilt from
their nearest passages when mining drops them), verdicts as training labels, and names."""

from __future__ import annotations

from collections.abc import Sequence

from ..embed import text_key
from ..judge import Candidate, score_candidates
from ..mining import is_chrome
from ..records import Template, TemplateMember
from ..scoring import slot_form
from ..store import Store
from ._labels import Curation, Label, LabelKind, load_curations

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
