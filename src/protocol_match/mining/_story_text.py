"""Evidence that two articles tell the same story, from the text itself.

A repost copies the story's own sentences; another event written from the same templates
shares only the formulas. So the rare word sequences two articles share — four-word shingles
and stemmed words that few articles of the corpus carry (the beat's formulas are in many) —
measured against the smaller article (an excerpt or a repost wrapped in other chrome still
matches), say "same story" without needing a date. Names are folded to ASCII (a repost
writes "Blaszczak" for "Błaszczak").
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..scoring import stem, tokens

SHINGLE = 4
# A shingle or word in at least this share of the articles (and at least _COMMON_MIN of them)
# is the beat's common wording: it says nothing about which story an article tells.
_COMMON_SHARE = 0.03
_COMMON_MIN = 5
# Added to the smaller side's weight, in units of log(articles): a short article cannot
# reach a high share on a handful of rare words.
_PRIOR = 3.0


# Letters that Unicode does not decompose into a base letter and a mark.
_LETTERS = str.maketrans(
    {"ł": "l", "Ł": "L", "ı": "i", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss"}
    | {"æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
)


def ascii_fold(text: str) -> str:
    """Lower case without diacritics ("Błaszczak", "Kadıoğlu" -> "blaszczak", "kadioglu")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@dataclass(frozen=True)
class TextSets:
    """An article's four-word shingles and stemmed words (ASCII-folded)."""

    shingles: frozenset[str]
    words: frozenset[str]

    @classmethod
    def of(cls, text: str) -> TextSets:
        words = [w for _, _, w in tokens(ascii_fold(text))]
        shingles = {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
        return cls(frozenset(shingles), frozenset(stem(w) for w in words))


class RareOverlap:
    """Rarity-weighted containment of shingles and of words between articles of a corpus."""

    def __init__(self, sets: Sequence[TextSets]) -> None:
        n = max(1, len(sets))
        cut = max(_COMMON_MIN, _COMMON_SHARE * n)
        self._prior = _PRIOR * math.log(1 + n)

        def weights(df: Counter[str]) -> dict[str, float]:
            return {k: math.log(n / c) for k, c in df.items() if c < cut}

        self._shingle_w = weights(Counter(s for t in sets for s in t.shingles))
        self._word_w = weights(Counter(w for t in sets for w in t.words))
        self._sets = list(sets)
        self._totals = [
            (self._sum(t.shingles, self._shingle_w), self._sum(t.words, self._word_w)) for t in sets
        ]

    @staticmethod
    def _sum(items: frozenset[str], w: dict[str, float]) -> float:
        return sum(w.get(k, 0.0) for k in items)

    def shingles(self, i: int, j: int) -> float:
        """Share of the smaller article's rare shingle weight that the other shares."""
        a, b = self._sets[i], self._sets[j]
        shared = self._sum(a.shingles & b.shingles, self._shingle_w)
        return shared / (min(self._totals[i][0], self._totals[j][0]) + self._prior)

    def words(self, i: int, j: int) -> float:
        """The same for rare stemmed words."""
        a, b = self._sets[i], self._sets[j]
        shared = self._sum(a.words & b.words, self._word_w)
        return shared / (min(self._totals[i][1], self._totals[j][1]) + self._prior)
