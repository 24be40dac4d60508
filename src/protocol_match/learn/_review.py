"""Active learning: which passages would a label help most?

Two kinds of proposals, interleaved:

- coverage: mined templates that no label or verdict touches yet (largest support first) —
  one answer settles a whole cluster of passages;
- uncertainty: stored passages whose p(boilerplate) is nearest 0.5 (before a model exists:
  whose best match score is nearest the match threshold, the band where the unsupervised
  rule is least reliable).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..embed import text_key
from ._apply import passage_probabilities
from ._curation import template_names
from ._features import FEATURES
from ._labels import Label, load_curations, load_labels
from ._view import CorpusView


@dataclass(frozen=True)
class ReviewItem:
    """A passage proposed for labelling, and why."""

    text: str
    article_id: str | None
    level: str
    reason: str
    probability: float | None = None  # p(boilerplate) when a model is fitted
    template: str | None = None  # "T3" or the template's name when it comes from a template

    def to_label_line(self) -> dict:
        """The JSON Lines row a user fills in (``label`` starts as "?")."""
        row = {"text": self.text, "label": "?"}
        if self.template:
            row["template"] = self.template
        if self.article_id:
            row["article_id"] = self.article_id
        row["why"] = self.reason
        return row

    def label(self, kind: str) -> Label:
        """This item labelled ``kind`` ("boilerplate" or "content")."""
        return Label(self.text, kind, self.template, self.article_id)  # type: ignore[arg-type]


def propose(corpus: CorpusView, n: int = 20, *, pool: int = 600) -> list[ReviewItem]:
    """Up to ``n`` passages whose labels would help most (see the module docstring)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    if pool < 1:
        raise ValueError("pool must be at least 1")
    store = corpus.store
    known = {text_key(lab.text) for lab in load_labels(store)}
    known |= {c.key for c in load_curations(store)}
    coverage = _uncovered_templates(corpus, known)
    uncertain = _uncertain(corpus, known, pool, n)
    out: list[ReviewItem] = []
    seen: set[str] = set()
    for pair in _interleave(coverage, uncertain):
        key = text_key(pair.text)
        if key not in seen:
            seen.add(key)
            out.append(pair)
        if len(out) >= n:
            break
    return out


def _interleave(a: list[ReviewItem], b: list[ReviewItem]) -> list[ReviewItem]:
    out = []
    for i in range(max(len(a), len(b))):
        out.extend(x[i] for x in (a, b) if i < len(x))
    return out


def _uncovered_templates(corpus: CorpusView, known: set[str]) -> list[ReviewItem]:
    temps = corpus.templates()
    names = template_names(corpus.store, temps)
    out = []
    for t in sorted(temps, key=lambda t: (-t.support, t.id)):
        keys = {text_key(t.text)} | {text_key(m.text) for m in t.members}
        if keys & known:
            continue
        article = next((m.article_id for m in t.members if m.text == t.text), None)
        out.append(
            ReviewItem(
                t.text,
                article,
                t.level,
                f"template T{t.id} ({t.support} stories) has no label yet",
                template=names.get(t.id, f"T{t.id}"),
            )
        )
    return out


def _uncertain(corpus: CorpusView, known: set[str], pool: int, n: int) -> list[ReviewItem]:
    ids, art_ids, texts = corpus.store.level_texts("sentence")
    if not len(ids):
        return []
    step = max(1, math.ceil(len(ids) / pool))  # an even sample over the corpus
    sel = [i for i in range(0, len(ids), step) if text_key(texts[i]) not in known]
    if not sel:
        return []
    s_texts = [texts[i] for i in sel]
    s_arts = [art_ids[i] for i in sel]
    probs, rows = passage_probabilities(corpus, "sentence", s_texts, s_arts)
    if probs is not None:
        doubt = np.abs(np.asarray(probs) - 0.5)
    else:
        threshold = corpus.params(None, None)["threshold"]
        best = np.asarray([r[FEATURES.index("best_score")] for r in rows])
        doubt = np.abs(best - threshold)
    out = []
    for j in np.argsort(doubt, kind="stable")[: 2 * n]:
        p = None if probs is None else round(float(probs[j]), 3)
        why = (
            f"the model is unsure (p={p:.2f})"
            if p is not None
            else "its best match is near the match threshold (no model yet)"
        )
        out.append(ReviewItem(s_texts[j], s_arts[j], "sentence", why, p))
    return out
