"""Learning the user's beat: per-passage features, a calibrated model, and its verdicts.

Plain similarity does not separate boilerplate from topical content of one beat (see
DESIGN.md, "What makes this hard"), so passages get a feature vector — the similarity profile
across the corpus, lexical and n-gram signals, and the nearest *labelled* boilerplate and
content — and a small gradient-boosting model, calibrated by cross-validation, turns it into
p(boilerplate). The model is never saved: only labels are stored, and the model is fitted
again (well under a second for a few hundred labels) the first time a ``Corpus`` needs it,
then cached for that ``Corpus`` until labels, templates or the corpus change.

With no labels and no template verdicts, nothing here runs and ``compare`` is unchanged.
"""

from __future__ import annotations

import logging
import math
import re
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .embed import text_key
from .judge import Candidate, JudgeSettings, judge, score_candidates
from .labels import Label, curation_labels, labels_stamp, load_labels
from .mining import is_chrome
from .records import Article, Passage, PassageResult
from .scoring import containment, content_profile, shape

if TYPE_CHECKING:
    from .corpus import Corpus

log = logging.getLogger(__name__)

# p(boilerplate) at or above CONFIDENT makes a passage a template, at or below 1 - CONFIDENT
# novel; in between the unsupervised verdict stands.
CONFIDENT = 0.7
MIN_PER_CLASS = 8  # fewer labels of either class: no model (the unsupervised rule stands)
SCORE_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9)
K_CANDIDATES = 20
_NGRAM_SENTENCES = 50_000  # n-gram frequencies are counted over at most this many sentences
FEATURES: tuple[str, ...] = (
    "best_score",
    "best_cosine",
    "best_containment",
    *(f"stories_ge_{lv:.1f}" for lv in SCORE_LEVELS),
    "top3_story_score",
    "masked_overlap",
    "ngram_common",
    "ngram_logdf",
    "knn_boilerplate",
    "knn_content",
    "knn_margin",
    "log_chars",
    "words",
    "position",
    "first_paragraph",
    "chrome",
    "paragraph_level",
    "rule_template",
    "rule_reused",
    "rule_novelty",
)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Explanation:
    """Why a passage got its status: features, model probability, nearest labelled texts."""

    level: str
    index: int
    status_before: str  # the unsupervised verdict
    status: str
    probability: float | None  # p(boilerplate); None when no model is fitted
    rule: str
    features: dict[str, float]
    nearest_boilerplate: tuple[tuple[str, float], ...] = ()
    nearest_content: tuple[tuple[str, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form for JSON."""
        return {
            "status_before": self.status_before,
            "probability": self.probability,
            "rule": self.rule,
            "features": self.features,
            "nearest_boilerplate": [{"text": t, "score": s} for t, s in self.nearest_boilerplate],
            "nearest_content": [{"text": t, "score": s} for t, s in self.nearest_content],
        }


@dataclass
class _Context:
    """Everything features need besides the passage and its candidates."""

    story_of: Mapping[str, str]
    ngram_df: dict[str, int]
    label_vecs: np.ndarray
    label_texts: list[str]
    label_boiler: np.ndarray
    label_stories: list[str | None]
    label_profiles: list[dict[str, float]] = field(default_factory=list)


@dataclass
class _State:
    stamp: str = ""
    ctx: _Context | None = None
    model: Any = None
    n_labels: int = 0
    rejected_ids: frozenset[int] = frozenset()
    explaining: bool = False
    last: dict[str, tuple[Explanation, ...]] = field(default_factory=dict)


_STATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _state(corpus: Corpus) -> _State:
    st = _STATES.get(corpus)
    if st is None:
        st = _STATES[corpus] = _State()
    return st


# ----------------------------------------------------------------- features


def grams(text: str) -> set[str]:
    """Word 3-grams of ``text`` with numbers and months masked (lowercase)."""
    words = _WORD.findall(shape(text).lower())
    if len(words) < 3:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}


def ngram_frequencies(story_texts: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Masked word 3-gram -> number of distinct stories holding it."""
    df: dict[str, int] = {}
    for texts in story_texts.values():
        seen: set[str] = set()
        for t in texts:
            seen |= grams(t)
        for g in seen:
            df[g] = df.get(g, 0) + 1
    return df


def passage_features(
    text: str,
    level: str,
    position: float,
    first: float,
    scored: Sequence[tuple[float, Candidate]],
    before: PassageResult,
    vec: np.ndarray,
    ctx: _Context,
    *,
    own_story: str | None = None,
    own_label: int | None = None,
    in_corpus: bool = False,
) -> tuple[np.ndarray, tuple, tuple]:
    """Feature row of one passage, plus its nearest labelled boilerplate and content.

    ``own_story`` and ``own_label`` exclude labels of that story and that label from the kNN
    (a labelled text must not find itself); ``in_corpus`` discounts the passage's own story
    from n-gram frequencies.
    """
    story_of = ctx.story_of
    best = scored[0] if scored else None
    story = [story_of.get(c.article_id, c.article_id) for _, c in scored]
    stories_at = [
        math.log1p(len({st for st, (s, _) in zip(story, scored, strict=True) if s >= lv}))
        for lv in SCORE_LEVELS
    ]
    per_story: dict[str, float] = {}
    for s, c in scored:
        per_story.setdefault(story_of.get(c.article_id, c.article_id), s)
    top3 = sorted(per_story.values(), reverse=True)[:3]
    g = grams(text)
    overlap = max((len(g & grams(c.text)) / len(g) for _, c in scored[:5]), default=0.0) if g else 0
    dfs = [max(0, ctx.ngram_df.get(x, 0) - in_corpus) for x in g]
    common = sum(d >= 3 for d in dfs) / len(dfs) if dfs else 0.0
    logdf = float(np.mean(np.log1p(dfs))) if dfs else 0.0
    kb, kc, near_b, near_c = _knn(text, vec, ctx, own_story, own_label)
    row = [
        best[0] if best else 0.0,
        best[1].cosine if best else 0.0,
        containment(content_profile(text), content_profile(best[1].text)) if best else 0.0,
        *stories_at,
        float(np.mean(top3)) if top3 else 0.0,
        overlap,
        common,
        logdf,
        kb,
        kc,
        kb - kc if not (math.isnan(kb) or math.isnan(kc)) else math.nan,
        math.log1p(len(text)),
        float(len(text.split())),
        position,
        first,
        float(is_chrome(text)),
        float(level == "paragraph"),
        float(before.status == "template"),
        float(before.status == "reused"),
        before.novelty,
    ]
    return np.asarray(row, dtype=np.float64), near_b, near_c


def _knn(
    text: str, vec: np.ndarray, ctx: _Context, own_story: str | None, own_label: int | None
) -> tuple:
    """Best match score to labelled boilerplate and to labelled content (NaN: no such label)."""
    if not len(ctx.label_texts):
        return math.nan, math.nan, (), ()
    sims = ctx.label_vecs @ vec
    if own_story is not None:
        sims = np.where([s == own_story for s in ctx.label_stories], -1.0, sims)
    if own_label is not None:
        sims = sims.copy()
        sims[own_label] = -1.0
    prof = content_profile(text)
    out = []
    for want in (True, False):
        idx = np.flatnonzero((ctx.label_boiler == want) & (sims > -1.0))
        if not len(idx):
            out.append((math.nan, ()))
            continue
        top = idx[np.argsort(-sims[idx], kind="stable")[:3]]
        scored = sorted(
            (
                (
                    0.5 * (max(0.0, float(sims[i])) + containment(prof, ctx.label_profiles[i])),
                    ctx.label_texts[i],
                )
                for i in top
            ),
            reverse=True,
        )
        out.append((scored[0][0], tuple((t, round(s, 4)) for s, t in scored[:2])))
    return out[0][0], out[1][0], out[0][1], out[1][1]


# ----------------------------------------------------------------- the model


def fit_model(x: np.ndarray, y: np.ndarray) -> Any:
    """Calibrated gradient boosting on ``x``; None when either class has too few rows.

    Plain (single-threaded) gradient boosting rather than the histogram kind: on a few
    hundred rows it fits in a fraction of a second, where the histogram kind's threads
    cost seconds on a busy 2-core machine. Unknown features (NaN) become -1.
    """
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if min(n_pos, n_neg) < MIN_PER_CLASS:
        return None
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import GradientBoostingClassifier

    base = GradientBoostingClassifier(
        n_estimators=100,
        max_depth=3,
        learning_rate=0.1,
        subsample=0.8,
        min_samples_leaf=max(3, min(20, len(y) // 40)),
        random_state=0,
    )
    method = "isotonic" if len(y) >= 400 else "sigmoid"
    model = CalibratedClassifierCV(base, method=method, cv=min(3, n_pos, n_neg))
    model.fit(_impute(x), y)
    return model


def _impute(x: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(x), -1.0, x)


def predict(model: Any, x: np.ndarray) -> np.ndarray:
    """p(boilerplate) of each row of ``x``."""
    return model.predict_proba(_impute(x))[:, 1]


def _prepare(corpus: Corpus) -> _State:
    """The cached state of ``corpus``, refitted when labels, templates or articles changed."""
    st = _state(corpus)
    store = corpus.store
    stamp = "|".join(
        (
            labels_stamp(store),
            str(store.count("article")),
            store.get_meta("templates_at_count") or "",
            store.get_meta("template_params") or "",
        )
    )
    if st.stamp == stamp:
        return st
    st.stamp, st.ctx, st.model, st.n_labels = stamp, None, None, 0
    raw_templates = corpus._load_templates()[0]  # noqa: SLF001 - uncurated, for verdicts
    extra, st.rejected_ids = curation_labels(store, raw_templates)
    labels = _dedupe(load_labels(store) + extra)
    st.n_labels = len(labels)
    if not labels:
        return st
    import time

    t0 = time.perf_counter()
    ctx, rows, y = _training_rows(corpus, labels)
    st.ctx = ctx
    st.model = fit_model(rows, y) if len(rows) else None
    log.info(
        "fitted on %d labels (%d boilerplate) in %.2f s%s",
        len(y),
        int(y.sum()),
        time.perf_counter() - t0,
        "" if st.model is not None else f" — too few (need {MIN_PER_CLASS} of each class)",
    )
    return st


def _dedupe(labels: Sequence[Label]) -> list[Label]:
    out: dict[str, Label] = {}
    for lab in labels:
        out.setdefault(text_key(lab.text), lab)  # user labels come first and win
    return list(out.values())


def _base_context(corpus: Corpus) -> _Context:
    store = corpus.store
    story_of = corpus._stories()  # noqa: SLF001
    ids, art_ids, texts = store.level_texts("sentence")
    by_story: dict[str, list[str]] = {}
    for aid, t in zip(art_ids[-_NGRAM_SENTENCES:], texts[-_NGRAM_SENTENCES:], strict=True):
        by_story.setdefault(story_of.get(aid, aid), []).append(t)
    dim = store.meta.dimension
    return _Context(
        story_of,
        ngram_frequencies(by_story),
        np.zeros((0, dim), np.float32),
        [],
        np.zeros(0, bool),
        [],
    )


def _training_rows(corpus: Corpus, labels: Sequence[Label]) -> tuple[_Context, np.ndarray, Any]:
    ctx = _base_context(corpus)
    vecs = label_vectors(corpus, [lab.text for lab in labels])
    ctx.label_vecs = vecs
    ctx.label_texts = [lab.text for lab in labels]
    ctx.label_boiler = np.asarray([lab.label == "boilerplate" for lab in labels])
    ctx.label_stories = [
        ctx.story_of.get(lab.article_id, lab.article_id) if lab.article_id else None
        for lab in labels
    ]
    ctx.label_profiles = [content_profile(t) for t in ctx.label_texts]
    articles = {
        a: corpus.store.article(a) for a in {lab.article_id for lab in labels if lab.article_id}
    }
    rows = []
    judging = _judge_inputs(corpus)
    for level in ("sentence", "paragraph"):
        sel = [i for i, lab in enumerate(labels) if _level_of(lab.text) == level]
        if not sel:
            continue
        cands = _label_candidates(corpus, level, vecs[sel], [labels[i] for i in sel], ctx)
        for i, cs in zip(sel, cands, strict=True):
            lab = labels[i]
            art = articles.get(lab.article_id) if lab.article_id else None
            pos, first = _position(art, lab.text)
            feats, _, _ = _features_for(
                corpus,
                lab.text,
                level,
                pos,
                first,
                cs,
                vecs[i],
                ctx,
                lab.article_id,
                judging,
                own_story=ctx.label_stories[i],
                own_label=i,
                in_corpus=art is not None,
            )
            rows.append((i, feats))
    rows.sort(key=lambda r: r[0])
    y = np.asarray([labels[i].label == "boilerplate" for i, _ in rows])
    x = np.stack([f for _, f in rows]) if rows else np.zeros((0, len(FEATURES)))
    return ctx, x, y


def _judge_inputs(corpus: Corpus) -> tuple[dict[int, int], JudgeSettings]:
    tmpl = corpus._templates_for_compare(None, None)[1]  # noqa: SLF001
    params = corpus._params(None, None)  # noqa: SLF001
    return tmpl, JudgeSettings(params["threshold"], params["min_support"])


def _features_for(corpus, text, level, pos, first, cands, vec, ctx, article_id, judging, **kw):  # noqa: ANN001, ANN202
    """Features of a passage that is not being compared (a label or a review candidate)."""
    tmpl, settings = judging
    passage = Passage(article_id or "", level, 0, 0, 0, len(text), text)  # type: ignore[arg-type]
    before = judge(passage, cands, template_of=tmpl, story_of=ctx.story_of, settings=settings)
    return passage_features(
        text, level, pos, first, score_candidates(text, cands), before, vec, ctx, **kw
    )


def _level_of(text: str) -> str:
    from .ingest import segment

    seg = segment(Article(id="label", text=text))
    return "paragraph" if len(seg.sentences) > 1 else "sentence"


def _position(article: Article | None, text: str) -> tuple[float, float]:
    """(relative paragraph position, first paragraph?) of ``text`` in ``article``; NaN unknown."""
    if article is None:
        return math.nan, math.nan
    at = article.text.find(text)
    if at < 0:
        return math.nan, math.nan
    paras = article.text.count("\n\n") + 1
    para = article.text.count("\n\n", 0, at)
    return para / max(1, paras - 1), float(para == 0)


def _label_candidates(corpus, level, vecs, labels, ctx):  # noqa: ANN001, ANN202
    """Candidates of labelled texts, leaving out their own story (else they find themselves)."""
    raw = corpus._candidates(level, vecs.astype(np.float32), K_CANDIDATES + 40, exclude=None)  # noqa: SLF001
    out = []
    for lab, cs in zip(labels, raw, strict=True):
        own = ctx.story_of.get(lab.article_id, lab.article_id) if lab.article_id else None
        if own is None:  # unknown article: drop one verbatim copy (most likely the text itself)
            key = text_key(lab.text)
            same = {c.article_id for c in cs if text_key(c.text) == key}
            own = next(iter(same)) if len(same) == 1 else None
            own = ctx.story_of.get(own, own) if own else None
        kept = [c for c in cs if own is None or ctx.story_of.get(c.article_id, c.article_id) != own]
        out.append(kept[:K_CANDIDATES])
    return out


def label_vectors(corpus: Corpus, texts: Sequence[str]) -> np.ndarray:
    """Vectors of labelled texts: from the store's cache, else embedded (and cached)."""
    from .labels import cache_vectors

    if not texts:
        return np.zeros((0, corpus.store.meta.dimension), np.float32)
    keys = [text_key(t) for t in texts]
    found = corpus.store.vectors_for_keys(keys)
    missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
    if missing:
        new = corpus.embedder.encode(list(missing.values()))
        fresh = dict(zip(missing, new, strict=True))
        cache_vectors(corpus.store, fresh)
        found.update(fresh)
    return np.stack([found[k] for k in keys]).astype(np.float32)


# ----------------------------------------------------------------- applying to compare


def has_teaching(corpus: Corpus) -> bool:
    """Whether the store holds labels or template verdicts."""
    return labels_stamp(corpus.store) not in ("0", "0:0/0:0")


@contextmanager
def explaining(corpus: Corpus) -> Iterator[None]:
    """Within this block ``corpus.compare`` records an :class:`Explanation` per passage."""
    st = _state(corpus)
    st.explaining = True
    try:
        yield
    finally:
        st.explaining = False


def last_explanations(corpus: Corpus, article_id: str) -> dict[tuple[str, int], Explanation]:
    """Explanations recorded by the last ``compare`` of ``article_id`` (see :func:`explaining`)."""
    return {(e.level, e.index): e for e in _state(corpus).last.get(article_id, ())}


def apply_learned(
    corpus: Corpus,
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
    threshold = corpus._params(None, None)["threshold"]  # noqa: SLF001
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
    corpus: Corpus, level: str, texts: Sequence[str], article_ids: Sequence[str | None]
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
    corpus: Corpus, templates: list, template_of: dict[int, int]
) -> tuple[list, dict[int, int]]:
    """``Corpus`` templates after the user's verdicts (see ``labels.curate_templates``)."""
    from .labels import curate_templates

    threshold = corpus._params(None, None)["threshold"]  # noqa: SLF001
    return curate_templates(corpus.store, templates, template_of, threshold=threshold)
