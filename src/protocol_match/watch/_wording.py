"""The wording of a formula: what stays when names, numbers and dates are set aside.

Two members of a template share a *wording* when they differ only in names and figures
("Colonel General Z. Hasanov welcomed …" and "Lieutenant General K. Valiyev welcomed …").
A new wording of a known template is a drift; the slot fills are what the ``{…}`` of a
template's slot form held in each member. Pure functions over texts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..records import TemplateMember

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_SLOT = re.compile(r"\{[^{}]*\}")
MAX_SLOTS = 12  # slot forms with more slots are not aligned (a regex of many lazy groups)
_STRIP = " \t\n,;:.()\"'«»“”‘’"


def _fold_token(token: str, first: bool) -> str:
    if any(ch.isdigit() for ch in token):
        return "#"
    if token[:1].isupper() and not first:
        return "N"
    return token.lower()


def wording_key(text: str) -> str:
    """The text's words, lowercased, with names (capitalized words after the first) folded to
    ``N`` and numbers and dates to ``#``; runs of them collapse into one."""
    out: list[str] = []
    for i, token in enumerate(_WORD.findall(text)):
        folded = _fold_token(token, i == 0)
        if folded in ("N", "#") and out and out[-1] == folded:
            continue
        out.append(folded)
    return " ".join(out)


def plain_words(text: str) -> set[str]:
    """The lowercase wording words of ``text`` (names and numbers left out)."""
    return {w for w in wording_key(text).split() if w not in ("N", "#")}


@lru_cache(maxsize=4096)
def _slot_pattern(slot_form: str) -> re.Pattern[str] | None:
    literals = _SLOT.split(slot_form)
    if len(literals) < 2 or len(literals) - 1 > MAX_SLOTS:
        return None
    parts = []
    for i, lit in enumerate(literals):
        words = lit.split()
        parts.append(r"\s*".join(re.escape(w) for w in words) if words else "")
        if i < len(literals) - 1:
            parts.append(r"\s*(.+?)\s*")
    return re.compile("^\\s*" + "".join(parts) + "\\s*$", re.IGNORECASE | re.DOTALL)


def slot_fills(slot_form: str, text: str) -> tuple[str, ...] | None:
    """What each ``{…}`` of ``slot_form`` holds in ``text``; None when ``text`` is worded
    otherwise (a paraphrase: the fixed words do not all appear in order)."""
    pattern = _slot_pattern(slot_form)
    if pattern is None:
        return None
    m = pattern.match(text)
    if m is None:
        return None
    return tuple(g.strip(_STRIP) for g in m.groups())


@dataclass(frozen=True)
class Variant:
    """One wording of a template: how many members use it, when, and an example."""

    key: str
    members: int
    articles: int
    first_seen: str | None
    last_seen: str | None
    example: str
    dates: tuple[str | None, ...]

    def to_dict(self) -> dict:
        return {
            "wording": self.key,
            "members": self.members,
            "articles": self.articles,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "example": self.example,
        }


def wording_variants(members: Sequence[TemplateMember]) -> list[Variant]:
    """The template's wordings, earliest first (undated ones last), most used first on a tie."""
    groups: dict[str, list[TemplateMember]] = {}
    for m in members:
        groups.setdefault(wording_key(m.text), []).append(m)
    out = []
    for key, ms in groups.items():
        dates = sorted(d for d in (m.date for m in ms) if d)
        out.append(
            Variant(
                key,
                len(ms),
                len({m.article_id for m in ms}),
                dates[0] if dates else None,
                dates[-1] if dates else None,
                ms[0].text,
                tuple(m.date for m in ms),
            )
        )
    out.sort(key=lambda v: (v.first_seen is None, v.first_seen or "", -v.members))
    return out


def fill_counts(
    slot_form: str, texts: Iterable[str], top: int = 10
) -> tuple[list[list[tuple[str, int]]], int]:
    """Per slot of ``slot_form``, its most frequent fills with counts, and how many texts
    are worded otherwise (not aligned)."""
    n_slots = len(_SLOT.findall(slot_form))
    counters = [Counter() for _ in range(n_slots)]
    other = 0
    for text in texts:
        fills = slot_fills(slot_form, text)
        if fills is None:
            other += 1
            continue
        for counter, fill in zip(counters, fills, strict=False):
            if fill:
                counter[fill] += 1
    return [c.most_common(top) for c in counters], other
