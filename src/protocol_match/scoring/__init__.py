"""How two passages are scored against each other: the pure text-similarity layer.

Lexical evidence (stems, word rarity, weighted containment, new figures and dates), content
profiles in bulk for mining, the match score that combines cosine with lexical containment
(and its novelty), and the novel spans and slot forms of matched passages. Pure functions over
strings and arrays: below mining (templates use the match score) and the judge.
"""

from ._lexical import (
    MONTHS,
    OPENING_WORDS,
    STOPWORDS,
    containment,
    content_profile,
    dice,
    new_dates,
    new_figures,
    query_profile,
    shape,
    stem,
    tokens,
    word_weight,
)
from ._profiles import ProfileMatrix
from ._score import DEFAULT_THRESHOLD, NOVEL_FLOOR, SEEN_CEILING, combine, novelty, verdict_novelty
from ._spans import NAME_AGREE, novel_spans, slot_form

__all__ = [
    "DEFAULT_THRESHOLD",
    "MONTHS",
    "NAME_AGREE",
    "NOVEL_FLOOR",
    "OPENING_WORDS",
    "SEEN_CEILING",
    "STOPWORDS",
    "ProfileMatrix",
    "combine",
    "containment",
    "content_profile",
    "dice",
    "new_dates",
    "new_figures",
    "novel_spans",
    "novelty",
    "query_profile",
    "shape",
    "slot_form",
    "stem",
    "tokens",
    "verdict_novelty",
    "word_weight",
]
