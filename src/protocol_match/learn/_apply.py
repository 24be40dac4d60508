"""The learned model applied: ``compare``'s verdicts after the user's labels and template
verdicts, the probabilities ``review`` ranks by, and the templates after their verdicts.

With no labels and no template verdicts, nothing here runs and ``compare`` is unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from ..embed import text_key
from ..judge import Candidate, score_candidates
from ..records import PassageResult
from ._curation import curate_templates
from ._features import FEATURES, passage_features
from ._labels import Label, labels_stamp
from ._model import (
    Explanation,
    _base_context,
    _features_for,
    _judge_inputs,
    _label_candidates,
    _prepare,
    _state,
    label_vectors,
    predict,
)
from ._view import CorpusView

# p(boilerplate) at or above CONFIDENT makes a passage a template, at or below 1 - CONFIDENT
# novel; in between the unsupervised verdict stands.
CONFIDENT = 0.7


def has_teaching(corpus: CorpusView) -> bool:
    """Whether the store holds labels or template verdicts."""
    return labels_stamp(corpus.store) not in ("0", "0:0/0:0")


def apply_learned(
    corpus: CorpusView,
    results: dict[str, tuple[PassageResult, ...]],
    candidates: Mapping[str, Sequence[Sequence[Candidate]]],
    vectors: Mapping[str, np.ndarray],
    n_paragraphs: int,
) -> dict[str, tuple[PassageResult, ...]]:
    """The verdicts of ``compare`` after the user's labels and template verdicts.

    Returns ``results`` itself when the store holds neither (the unsupervised default).
    """
    st = _state(corpus)
    if not has_teaching(corpus) and not st.explaining:
        return results
    st = _prepare(corpus)
    ctx = st.ctx or _base_context(corpus)
    threshold = corpus.params(None, None)["threshold"]
    out: dict[str, tuple[PassageResult, ...]] = {}
    notes: list[Explanation] = []
    for level, res in results.items():
        feats, nears = [], []
        for r, cs in zip(res, candidates[level], strict=True):
            p = r.passage
            pos = p.paragraph / max(1, n_paragraphs - 1)
            f, nb, nc = passage_features(
                p.text,
                level,
                pos,
                float(p.paragraph == 0),
                score_candidates(p.text, cs),
                r,
                vectors[text_key(p.text)],
                ctx,
            )
            feats.append(f)
            nears.append((nb, nc))
        probs = (
            predict(st.model, np.stack(feats))
            if st.model is not None and feats
            else [None] * len(res)
        )
        new = []
        for r, f, (nb, nc), prob in zip(res, feats, nears, probs, strict=True):
            verdict, rule = _decide(r, prob, st.rejected_ids, threshold)
            new.append(verdict)
            notes.append(
                Explanation(
                    level,
                    r.passage.index,
                    r.status,
                    verdict.status,
                    None if prob is None else round(float(prob), 4),
                    rule,
                    {
                        n: (None if math.isnan(v) else round(float(v), 4))  # type: ignore[misc]
                        for n, v in zip(FEATURES, f, strict=True)
                    },
                    nb,
                    nc,
                )
            )
        out[level] = tuple(new)
    if st.explaining and res:
        st.last = {res[0].passage.article_id: tuple(notes)}
    return out


def _decide(
    r: PassageResult, prob: float | None, rejected: frozenset[int], threshold: float
) -> tuple[PassageResult, str]:
    matched = [m for m in r.matches if m.similarity >= threshold]
    if r.status != "novel" and matched and matched[0].passage_id in rejected:
        return replace(r, status="novel", template_id=None, source_article=None), (
            "its best match belongs to a template you rejected"
        )
    if prob is None:
        return r, "unsupervised rule (no model: label more passages)"
    if prob >= CONFIDENT:
        nov = round(min(r.novelty, 1.0 - prob), 4)
        if r.status == "template":
            return replace(r, novelty=nov), f"model agrees: boilerplate (p={prob:.2f})"
        return replace(r, status="template", source_article=None, novelty=nov), (
            f"model: boilerplate (p={prob:.2f}) overrides {r.status}"
        )
    if prob <= 1.0 - CONFIDENT:
        nov = round(max(r.novelty, 1.0 - prob), 4)
        verbatim = bool(matched) and matched[0].similarity >= 0.9
        if r.status == "novel" or (r.status == "reused" and verbatim):
            return replace(r, novelty=nov) if r.status == "novel" else r, (
                f"model: content (p={prob:.2f})"
                + ("; kept as a verbatim copy" if r.status == "reused" else "")
            )
        return replace(r, status="novel", template_id=None, source_article=None, novelty=nov), (
            f"model: content (p={prob:.2f}) overrides {r.status}"
        )
    return r, f"model unsure (p={prob:.2f}): unsupervised rule"


def passage_probabilities(
    corpus: CorpusView, level: str, texts: Sequence[str], article_ids: Sequence[str | None]
) -> tuple[np.ndarray | None, list[np.ndarray]]:
    """p(boilerplate) of stored passages (None without a model) and their feature rows."""
    st = _prepare(corpus)
    ctx = st.ctx or _base_context(corpus)
    labels = [Label(t, "content", None, a) for t, a in zip(texts, article_ids, strict=True)]
    vecs = label_vectors(corpus, texts)
    cands = _label_candidates(corpus, level, vecs, labels, ctx)
    rows = []
    judging = _judge_inputs(corpus)
    for lab, cs, v in zip(labels, cands, vecs, strict=True):
        own = ctx.story_of.get(lab.article_id, lab.article_id) if lab.article_id else None
        f, _, _ = _features_for(
            corpus,
            lab.text,
            level,
            math.nan,
            math.nan,
            cs,
            v,
            ctx,
            lab.article_id,
            judging,
            own_story=own,
            in_corpus=True,
        )
        rows.append(f)
    if st.model is None or not rows:
        return None, rows
    return predict(st.model, np.stack(rows)), rows


def curated(
    corpus: CorpusView, templates: list, template_of: dict[int, int]
) -> tuple[list, dict[int, int]]:
    """``Corpus`` templates after the user's verdicts (see ``curate_templates``)."""
    threshold = corpus.params(None, None)["threshold"]
    return curate_templates(corpus.store, templates, template_of, threshold=threshold)
