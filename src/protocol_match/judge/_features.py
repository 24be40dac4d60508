"""What the verdict model sees of a passage: how widely and how closely its wording recurs
in other stories, and its shape.

Label-free features, one row per passage (pure: neighbours in, numbers out):

- the *story profile* — the best match score (cosine + lexical containment, see
  ``scoring``) per other story, sorted: ``s1``, ``s2``, ``s3``, ``s5``, ``s10`` (the k-th
  best story) and the mean of the top ten; the best cosines ``c1``, ``c2``; how many stories
  reach 0.50 / 0.55 / 0.65;
- the same profile of TF-IDF cosines (``t1`` … ``tmean10``): reused wording, not just topic;
- shape: log length, the share of capitalized words and of numbers, quotation marks, the
  first paragraph, the relative position in the article.

Stories, not articles: copies of one story (the near-duplicate groups) count once, and the
article's own story never counts, so a syndicated copy is not evidence of a formula.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..scoring import tokens

FEATURES: tuple[str, ...] = (
    "s1", "s2", "s3", "s5", "s10", "smean10", "c1", "c2", "n50", "n55", "n65",
    "t1", "t2", "t3", "t5", "tmean10", "logtok", "caps", "digits", "quote", "first", "pos",
)  # fmt: skip
_QUOTE = re.compile(r"[\"“”]")


@dataclass(frozen=True)
class Neighbour:
    """A stored passage near the one judged: its story and three similarities to it."""

    story: str
    score: float  # the match score (scoring.combine)
    cosine: float
    tfidf: float


@dataclass(frozen=True)
class Position:
    """Where the passage sits: its paragraph's index and the article's paragraph count."""

    paragraph: int
    paragraphs: int


def _profile(best: dict[str, float], n: int = 10) -> list[float]:
    values = sorted(best.values(), reverse=True)
    return values[:n] + [0.0] * max(0, n - len(values))


def passage_features(
    text: str, position: Position, neighbours: Iterable[Neighbour], own: frozenset[str]
) -> np.ndarray:
    """The feature row of one passage (in :data:`FEATURES` order). ``own``: the stories
    that do not count (the article's own story and its near-duplicates)."""
    score: dict[str, float] = {}
    cos: dict[str, float] = {}
    tfidf: dict[str, float] = {}
    for nb in neighbours:
        if nb.story in own:
            continue
        score[nb.story] = max(score.get(nb.story, 0.0), nb.score)
        cos[nb.story] = max(cos.get(nb.story, 0.0), nb.cosine)
        tfidf[nb.story] = max(tfidf.get(nb.story, 0.0), nb.tfidf)
    s, c, t = _profile(score), _profile(cos), _profile(tfidf)
    words = [w for _, _, w in tokens(text)]
    n = max(1, len(words))
    row = [
        s[0], s[1], s[2], s[4], s[9], float(np.mean(s)), c[0], c[1],
        float(sum(v >= 0.50 for v in score.values())),
        float(sum(v >= 0.55 for v in score.values())),
        float(sum(v >= 0.65 for v in score.values())),
        t[0], t[1], t[2], t[4], float(np.mean(t)),
        math.log1p(len(words)),
        sum(w[0].isupper() for w in words) / n,
        sum(w[0].isdigit() for w in words) / n,
        float(bool(_QUOTE.search(text))),
        float(position.paragraph == 0),
        position.paragraph / max(1, position.paragraphs - 1),
    ]  # fmt: skip
    return np.asarray(row, dtype=np.float64)
