"""Lexical evidence for passage matches: weighted content-word containment and alignment.

Sentence embeddings rate same-beat content almost as similar as paraphrased formulas, so a
match also needs lexical support: how much of the query's content (weighted by how rare
each word is in general English) reappears in the candidate, after folding British/American
spelling and stemming. Pure functions over strings.
"""

from __future__ import annotations

import re
from collections.abc import Container
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_NUMBER = re.compile(r"^\d[\d.,:]*$")

# Function words carry no evidence that two passages share a formula.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours""".split()
)

_SPELLING = (
    (re.compile(r"our(s|ed|ing|able)?$"), r"or\1"),  # honour -> honor
    (re.compile(r"is(e|ed|es|ing|ation)$"), r"iz\1"),  # emphasise -> emphasize
    (re.compile(r"^defence$"), "defense"),
    (re.compile(r"tre$"), "ter"),  # centre -> center
)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Fold case, British spelling and inflection so variants of a word compare equal."""
    w = word.lower().replace("’", "'")
    for pattern, repl in _SPELLING:
        if len(w) > 4:
            w = pattern.sub(repl, w)
    return _stemmer().stemWord(w)


@lru_cache(maxsize=1)
def _stemmer():  # noqa: ANN202 - snowballstemmer has no types
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def word_weight(word: str) -> float:
    """Evidence weight of a word: rarer words in general English weigh more (0 for stopwords)."""
    w = word.lower()
    if w in STOPWORDS or len(w) < 2:
        return 0.0
    if _NUMBER.match(w):
        return 1.0
    from wordfreq import zipf_frequency

    zipf = zipf_frequency(w, "en")
    # zipf 7 ("of") .. 1 (very rare); unknown words get the rare-word weight.
    return min(6.0, max(0.5, 7.0 - zipf)) if zipf > 0 else 6.0


@lru_cache(maxsize=100_000)
def tokens(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, word) of every word of ``text`` (cached: compare tokenizes the same
    stored candidates for the match score, the TF-IDF view and the novel spans)."""
    return tuple((m.start(), m.end(), m.group()) for m in _WORD.finditer(text))


def content_profile(text: str) -> dict[str, float]:
    """Stem -> weight for the content words of ``text`` (a fresh dict the caller may keep)."""
    return dict(_profile_items(text))


@lru_cache(maxsize=100_000)
def content_keys(text: str) -> frozenset[str]:
    """The stems of ``content_profile(text)``: what ``containment`` looks up (cached)."""
    return frozenset(s for s, _ in _profile_items(text))


@lru_cache(maxsize=50_000)
def _profile_items(text: str) -> tuple[tuple[str, float], ...]:
    # Cached: every compare re-scores the same stored candidates, and tokenizing + stemming
    # them was about half of a compare's time.
    prof: dict[str, float] = {}
    for _, _, word in tokens(text):
        weight = word_weight(word)
        if weight > 0:
            s = stem(word)
            prof[s] = max(prof.get(s, 0.0), weight)
    return tuple(prof.items())


def query_profile(text: str) -> dict[str, float]:
    """Content profile of a query passage in which names weigh no more than a number.

    A formula's slot fills are names (ranks, people, countries, outlets) that are rare in
    general English, so at full weight a formula naming new people looked unlike its earlier
    uses. Capitalized words past the first weigh at most 1, like numbers (synthetic corpus,
    seed 0, low/default/high: sentence F1 0.978/0.959/0.952 -> 0.979/0.966/0.958).
    """
    return dict(_query_items(text))


@lru_cache(maxsize=50_000)
def _query_items(text: str) -> tuple[tuple[str, float], ...]:
    prof: dict[str, float] = {}
    for k, (_, _, word) in enumerate(tokens(text)):
        weight = word_weight(word)
        if weight <= 0:
            continue
        if k > 0 and word[0].isupper():
            weight = min(weight, 1.0)
        s = stem(word)
        prof[s] = max(prof.get(s, 0.0), weight)
    return tuple(prof.items())


def containment(query: dict[str, float], candidate: Container[str]) -> float:
    """Weighted share of the query's content words found in the candidate, in [0, 1]."""
    total = sum(query.values())
    if total <= 0:
        return 0.0
    return sum(w for s, w in query.items() if s in candidate) / total


def dice(a: dict[str, float], b: dict[str, float]) -> float:
    """Symmetric weighted overlap of two content profiles, in [0, 1]."""
    total = sum(a.values()) + sum(b.values())
    if total <= 0:
        return 0.0
    shared = sum(min(w, b[s]) for s, w in a.items() if s in b)
    return 2 * shared / total


MONTHS = frozenset(
    "january february march april may june july august september october november december".split()
)


_DIGITS = re.compile(r"\d+")
_MONTH_WORD = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December)\b",
    re.IGNORECASE,
)


def shape(text: str) -> str:
    """``text`` with every number as 0 and every month as "month".

    Only for short page chrome: timestamps and datelines ("09:33, 26 June 2021") recur with
    other dates, so their words never repeat but their shape does.
    """
    return _DIGITS.sub("0", _MONTH_WORD.sub("month", text))
