"""Novel spans and slot forms: which words of a matched passage its matches do not share.

A matched formula sentence carries new facts in its slots (names, ranks, dates, figures):
the words its matched stories' passages do not agree on. Alignment is on stems (see
``_lexical``); names are whole runs ("Colonel General Z. Hasanov"). Pure
functions over strings.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence

from ..records import Span
from ._lexical import STOPWORDS, stem, tokens

# A capitalized word or a number is a name-like token: it is template wording only when
# this share of the references has it (see ``novel_spans``).
NAME_AGREE = 0.8
# Words that join the parts of a title or a name ("Minister of Defense and Commander of the
# Land Forces", "the Hashemite Kingdom of Jordan").
_CONNECTORS = frozenset({"of", "the", "and"})
_DETERMINERS = frozenset({"the", "a", "an"})
_SPACE = re.compile(r"\s+")
_INITIAL = re.compile(r"\.\s+")


def novel_spans(
    text: str, reference: str | Sequence[str], offset: int = 0, *, agree: float = NAME_AGREE
) -> tuple[Span, ...]:
    """Runs of words in ``text`` that an alignment with the reference(s) leaves unmatched.

    These are the names, dates, numbers and new facts inside a matched passage. References
    are the matched passages of other stories; each is aligned in order with ``text``.

    - A lower-case word is template wording when any reference has it: formulas come in
      several wordings ("received" / "met with" / "hosted"), and a word one wording uses
      is still the formula's.
    - A name-like word (capitalized, not sentence-initial, or a number) is template wording
      only when at least the share ``agree`` of the references have it: a country, rank or
      outlet that some earlier articles happen to share is still a slot fill.
    - A name or title is one slot fill: when any capitalized word of a run of capitalized
      words (joined by "of", "the", "and") is novel, the whole run is, with a determiner
      before it ("Vice Admiral N. Bayramov", "the Head of the Defense Industry Agency").
    - Function words are novel only between novel words.

    On the synthetic corpus (seed 0, 300 articles, low/default/high noise) slot-fill token
    F1 went from 0.76/0.70/0.66 (all of 5 references must agree, no name runs) to
    0.94/0.95/0.93. Offsets are shifted by ``offset`` so they point into the whole article.
    """
    if not 0 < agree <= 1:
        raise ValueError("agree must be in (0, 1]")
    refs = [reference] if isinstance(reference, str) else list(reference)
    q = tokens(text)
    if not q or not refs:
        return ()
    hits = _aligned_counts([stem(w) for _, _, w in q], refs)
    need = max(1, math.ceil(agree * len(refs) - 1e-9))
    flags = [
        h < (need if k > 0 and _name_like(w) else 1)
        for k, (h, (_, _, w)) in enumerate(zip(hits, q, strict=True))
    ]
    content = [w.lower() not in STOPWORDS for _, _, w in q]
    flags = _bridge_function_words(flags, content)
    _extend_names(text, q, flags, content)
    return _runs(text, q, flags, offset)


def _name_like(word: str) -> bool:
    return word[0].isupper() or word[0].isdigit()


def _bridge_function_words(flags: list[bool], content: Sequence[bool]) -> list[bool]:
    """Function words are novel only in a run of at most two between novel content words
    ("Chief of the General Staff"); elsewhere their alignment is noise."""
    out = list(flags)
    n = len(flags)
    for i in range(n):
        if content[i]:
            continue
        lo, hi = i - 1, i + 1
        if lo >= 0 and not content[lo]:
            lo -= 1
        if hi < n and not content[hi] and hi - lo < 4:
            hi += 1
        out[i] = (
            hi - lo <= 3
            and lo >= 0
            and hi < n
            and content[lo]
            and content[hi]
            and flags[lo]
            and flags[hi]
        )
    return out


def _extend_names(
    text: str, toks: Sequence[tuple[int, int, str]], flags: list[bool], content: Sequence[bool]
) -> None:
    """Mark whole runs of capitalized words (names, titles) novel when one word is."""

    def joined(i: int) -> bool:  # tokens i and i + 1 belong to one name ("N. Bayramov")
        gap = text[toks[i][1] : toks[i + 1][0]]
        return bool(_SPACE.fullmatch(gap)) or (
            len(toks[i][2]) == 1 and bool(_INITIAL.fullmatch(gap))
        )

    def continues(j: int) -> bool:  # the word after "and" at j starts another title
        return (
            j + 2 < len(toks)
            and joined(j)
            and joined(j + 1)
            and (_name_like(toks[j + 2][2]) or toks[j + 2][2].lower() in _CONNECTORS)
        )

    n, i = len(toks), 0
    while i < n:
        if not _name_like(toks[i][2]):
            i += 1
            continue
        j = last = i
        while j + 1 < n and joined(j):
            w = toks[j + 1][2]
            if _name_like(w):
                j = last = j + 1
            elif w.lower() in _CONNECTORS and (w.lower() != "and" or continues(j + 1)):
                # "Pakistan and Azerbaijan" are two names, not one title.
                j += 1
            else:
                break
        first = i
        while first < last and not content[first]:
            first += 1  # sentence-initial "On", "The": not part of the name
        if any(flags[k] and content[k] and toks[k][2][0].isupper() for k in range(first, last + 1)):
            # "the Head of ..." is one slot fill; "the Italian delegation" keeps its "the".
            lo = first
            if (
                first > 0
                and last > first
                and toks[first - 1][2].lower() in _DETERMINERS
                and joined(first - 1)
            ):
                lo = first - 1
            for k in range(lo, last + 1):
                flags[k] = True
        i = last + 1


def _aligned_counts(stems: Sequence[str], references: Sequence[str]) -> list[int]:
    """For each of ``stems``, how many ``references`` an in-order alignment matches it in."""
    counts = [0] * len(stems)
    for ref in references:
        rs = [stem(w) for _, _, w in tokens(ref)]
        matcher = difflib.SequenceMatcher(a=stems, b=rs, autojunk=False)
        for block in matcher.get_matching_blocks():
            for i in range(block.a, block.a + block.size):
                counts[i] += 1
    return counts


def _runs(
    text: str, toks: Sequence[tuple[int, int, str]], flags: Sequence[bool], offset: int
) -> tuple[Span, ...]:
    spans: list[Span] = []
    i = 0
    while i < len(toks):
        if not flags[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(toks) and flags[j + 1]:
            j += 1
        # Lone unmatched function words ("the", "of") are alignment noise, not new facts.
        if j > i or toks[i][2].lower() not in STOPWORDS:
            start, end = toks[i][0], toks[j][1]
            spans.append(Span(start + offset, end + offset, text[start:end]))
        i = j + 1
    return tuple(spans)


def slot_form(members: Sequence[str], canonical: str, placeholder: str = "{…}") -> str:
    """The canonical text with words that most other members do not share replaced by a slot."""
    c = tokens(canonical)
    if not c or len(members) < 2:
        return canonical
    cs = [stem(w) for _, _, w in c]
    # Leave out the canonical passage itself once; exact copies of it are real support.
    others = list(members)
    if canonical in others and len(others) > 1:
        others.remove(canonical)
    support = _aligned_counts(cs, others)
    varying = [s * 2 < len(others) for s in support]
    out: list[str] = []
    pos = 0
    for span in _runs(canonical, c, varying, 0):
        out.append(canonical[pos : span.start])
        out.append(placeholder)
        pos = span.end
    out.append(canonical[pos:])
    return "".join(out)
