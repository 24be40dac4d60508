"""Per-passage features for the learned model: how a passage matches the corpus.

The similarity profile across stories, the best match score and cosine, lexical
containment, masked n-gram overlap and frequency, the nearest *labelled* boilerplate and
content, length and position, and the unsupervised verdict itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..judge import Candidate
from ..mining import is_chrome
from ..records import PassageResult
from ..scoring import containment, content_profile, shape

SCORE_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9)
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


@dataclass
class Context:
    """Everything features need besides the passage and its candidates."""

    story_of: Mapping[str, str]
    ngram_df: dict[str, int]
    label_vecs: np.ndarray
    label_texts: list[str]
    label_boiler: np.ndarray
    label_stories: list[str | None]
    label_profiles: list[dict[str, float]] = field(default_factory=list)


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
    ctx: Context,
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
    text: str, vec: np.ndarray, ctx: Context, own_story: str | None, own_label: int | None
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
