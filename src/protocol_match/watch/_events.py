"""What an arriving article is reported as: one ``article`` event, and ``template_new`` /
``template_drift`` events for the formulas it makes or changes.

- ``article``: novelty, counts, the nearest earlier article and the same-story group (the
  stored articles it copies, document cosine ≥ 0.95, with their near-duplicate group of the
  last mining), as ``compare`` found them before the article was added.
- ``template_new``: a sentence matching sentences of ``min_support - 1`` other stories and of
  no mined template: with this article its wording has just reached ``min_support`` stories.
- ``template_drift``: a sentence of a mined template in a new wording (words outside the
  names and figures that no member of the template used).

Events are recorded in the store (``Store.add_event``, unique per kind and key, so a retried
article reports nothing twice) and printed as JSON lines with the schema below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..embed import text_key
from ..records import CompareReport, PassageResult, Template
from ._wording import plain_words, wording_key

EVENT_SCHEMA = "protocol_match.event/1"
EVENT_KINDS = ("article", "template_new", "template_drift")


def event_json(event_id: int, at: float, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The printed form of a stored event."""
    when = dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {"schema": EVENT_SCHEMA, "id": event_id, "at": when, "event": kind, **data}


def story_group(corpus: Any, report: CompareReport) -> dict[str, Any]:
    """The near-duplicate group the compared article joins: ``{"id", "articles"}`` (the
    article alone when it copies no stored article)."""
    art = report.article
    stories = corpus.stories()
    own = set(corpus.own_stories(art.id, False, stories, report.nearest)) - {art.id}
    if not own:
        return {"id": art.id, "articles": [art.id]}
    members = {a for a, s in stories.items() if s in own} | own
    return {"id": min(own), "articles": sorted(members | {art.id})}


def article_event(
    report: CompareReport, story: dict[str, Any], alert_novelty: float | None
) -> dict[str, Any]:
    art = report.article
    near = report.nearest[0].to_dict() if report.nearest else None
    return {
        "article": {
            "id": art.id,
            "date": art.date,
            "source": art.source,
            "title": art.title,
            "origin": art.origin,
        },
        "novelty": round(float(report.novelty), 4),
        "counts": {s: report.counts.get(s, 0) for s in ("template", "reused", "novel")},
        "nearest": near,
        "story": story,
        "alert": alert_novelty is not None and report.novelty >= alert_novelty,
    }


def summary_of(event: dict[str, Any]) -> dict[str, Any]:
    """What the article list shows of an ``article`` event (``Store.save_summary``)."""
    return {k: event[k] for k in ("counts", "nearest", "story")}


class TemplateTracker:
    """The wordings of the mined templates, to tell a new formula or a new wording of one.

    Rebuilt whenever templates are mined again; wordings reported since are remembered so
    each is reported once.
    """

    def __init__(self) -> None:
        self.stamp: str | None = None
        self._by_id: dict[int, Template] = {}
        self._keys: dict[int, set[str]] = {}
        self._words: dict[int, set[str]] = {}

    def refresh(self, corpus: Any) -> None:
        """Read the templates again when the store was mined since the last call."""
        meta = corpus.store.get_meta
        stamp = f"{meta('templates_at_count')}|{meta('template_params')}"
        if stamp == self.stamp:
            return
        templates, _ = corpus.load_templates()
        self._by_id = {t.id: t for t in templates}
        self._keys = {}
        self._words = {}
        for t in templates:
            texts = [t.text, *(m.text for m in t.members)]
            self._keys[t.id] = {wording_key(x) for x in texts}
            words: set[str] = set()
            for x in texts:
                words |= plain_words(x)
            self._words[t.id] = words
        self.stamp = stamp

    def events(
        self,
        report: CompareReport,
        *,
        stories: dict[str, str],
        own: frozenset[str],
        threshold: float,
        min_support: int,
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """(kind, key, data) of the template events of a compared article."""
        out: list[tuple[str, str, dict[str, Any]]] = []
        art_id = report.article.id
        for r in report.sentences:
            if r.template_id is not None and r.template_id in self._by_id:
                drift = self._drift(r, art_id)
                if drift is not None:
                    out.append(drift)
            elif r.template_id is None and r.status != "novel":
                new = _new_template(r, art_id, stories, own, threshold, min_support)
                if new is not None:
                    out.append(new)
        return out

    def _drift(self, r: PassageResult, art_id: str) -> tuple[str, str, dict[str, Any]] | None:
        tid = r.template_id
        assert tid is not None
        key = wording_key(r.passage.text)
        if key in self._keys[tid]:
            return None
        new_words = sorted(plain_words(r.passage.text) - self._words[tid])
        self._keys[tid].add(key)
        if not new_words:  # only reordered or punctuated: the same words
            return None
        self._words[tid] |= set(new_words)
        t = self._by_id[tid]
        data = {
            "template": {"id": tid, "text": t.text, "slot_form": t.slot_form, "support": t.support},
            "variant": r.passage.text,
            "new_words": new_words,
            "article_id": art_id,
        }
        return "template_drift", f"{text_key(t.text)}:{text_key(key)}", data


def _new_template(
    r: PassageResult,
    art_id: str,
    stories: dict[str, str],
    own: frozenset[str],
    threshold: float,
    min_support: int,
) -> tuple[str, str, dict[str, Any]] | None:
    matched = [m for m in r.matches if m.similarity >= threshold]
    others = {stories.get(m.article_id, m.article_id) for m in matched} - own
    if len(others) + 1 != min_support:
        return None
    key = wording_key(r.passage.text)
    data = {
        "wording": r.passage.text,
        "stories": len(others) + 1,
        "min_support": min_support,
        "articles": sorted({m.article_id for m in matched} | {art_id}),
        "examples": [m.text for m in _distinct(matched)][:3],
        "article_id": art_id,
    }
    return "template_new", text_key(key), data


def _distinct(matches: Sequence[Any]) -> list[Any]:
    seen, out = set(), []
    for m in matches:
        if m.text not in seen:
            seen.add(m.text)
            out.append(m)
    return out
