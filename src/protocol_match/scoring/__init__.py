"""How two passages are scored against each other: the pure text-similarity layer.

Lexical evidence (stems, word rarity, weighted containment), content profiles in bulk for
mining, the match score that combines cosine with lexical containment, the corpus's gram
frequencies for a TF-IDF view of a passage, and the novel spans and slot forms of matched
passages. Pure functions over strings and arrays: below mining (templates use the match
score) and the judge.
"""

from . import _lexical
from ._grams import GramStats, gram_hashes, tfidf_cosine
from ._lexical import (
    MONTHS,
    STOPWORDS,
    containment,
    content_keys,
    content_profile,
    dice,
    query_profile,
    shape,
    stem,
    tokens,
    word_weight,
)
from ._profiles import ProfileMatrix
from ._score import DEFAULT_THRESHOLD, combine
from ._spans import NAME_AGREE, novel_spans, slot_form


def forget_text_caches() -> None:
    """Empty the per-text memo caches (tokens, content keys and profiles, gram hashes).

    Results never change (the cached functions are pure). Compare keeps them because it scores
    the same stored candidates again and again; a long-running process that sees each text
    once (a Ray mining worker) calls this to give that memory back.
    """
    for cached in (tokens, content_keys, gram_hashes, _lexical._profile_items,
                   _lexical._query_items):  # fmt: skip
        cached.cache_clear()


__all__ = [
    "DEFAULT_THRESHOLD",
    "GramStats",
    "MONTHS",
    "NAME_AGREE",
    "STOPWORDS",
    "ProfileMatrix",
    "combine",
    "containment",
    "content_keys",
    "content_profile",
    "dice",
    "forget_text_caches",
    "gram_hashes",
    "novel_spans",
    "query_profile",
    "shape",
    "slot_form",
    "stem",
    "tfidf_cosine",
    "tokens",
    "word_weight",
]
