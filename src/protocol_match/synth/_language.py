"""The generator's template language, spelling and noise levels.

A template (syntax in ``_bank``) is expanded into *parts*: ``(text, kind)`` pairs where
kind 0 is template wording, 1 a slot fill kept as is (names, numbers), 2 the outlet (filled per
copy), 3 a slot fill that follows the outlet's spelling (titles, units). Keeping parts apart
lets the renderer compute slot spans and formula spans exactly and re-spell per outlet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import _bank as B

Part = tuple[str, int]

# Slot fills that contain spell-able words (Defense, center, armored ...).
_SPELL_SLOTS = frozenset(
    "host_title host_title_c guest_title facility sys_kind company unit academy expo topic "
    "disaster person course".split()
)
_SPELL_RE = re.compile(r"\b(" + "|".join(sorted(B.SPELLING_US_UK, key=len, reverse=True)) + r")\b")
_spell_memo: dict[str, str] = {}


def spell(text: str) -> str:
    """British spelling of American-spelled ``text`` (memoized: template wording repeats)."""
    out = _spell_memo.get(text)
    if out is None:
        out = _SPELL_RE.sub(lambda m: B.SPELLING_US_UK[m.group(1)], text)
        if len(_spell_memo) < 200_000:
            _spell_memo[text] = out
    return out


@dataclass(frozen=True)
class Noise:
    """Per-level probabilities of each kind of variation."""

    p_variant: float  # a non-canonical phrasing of the family
    p_alt: float  # a non-first alternative inside ``<a|b>``
    p_opt: float  # flipping an optional segment (word deletion/insertion)
    p_reorder: float  # moving a leading clause to the end
    p_flip: float  # spelling against the outlet's house style
    rare: bool  # allow rare phrasings no other noise level uses


NOISE_LEVELS: dict[str, Noise] = {
    "low": Noise(0.06, 0.03, 0.03, 0.02, 0.02, False),
    "default": Noise(0.3, 0.12, 0.12, 0.1, 0.06, False),
    "high": Noise(0.6, 0.3, 0.3, 0.25, 0.15, True),
}


class Spec:
    """One sentence before rendering: parts plus its label fields (offsets come later)."""

    __slots__ = ("parts", "family", "kind", "paraphrased", "fspan", "flip", "clause")

    def __init__(
        self,
        parts: list[Part],
        family: str | None,
        kind: str,
        paraphrased: bool,
        fspan: tuple[int, int] | None = None,
        flip: bool = False,
        clause: str | None = None,
    ) -> None:
        self.parts, self.family, self.kind = parts, family, kind
        self.paraphrased, self.fspan, self.flip = paraphrased, fspan, flip
        self.clause = clause  # the NOVEL_CLAUSES template of a novel sentence


# ---- template language -------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\{\*\}|\{(\w+)\}|\[\??|\]|<|\||>|\^|[^{}\[\]<>|^]+")
_parsed: dict[str, tuple] = {}


def parse_template(template: str) -> tuple:
    """Template string -> nested node tuples (cached)."""
    nodes = _parsed.get(template)
    if nodes is None:
        tokens = [m for m in _TOKEN_RE.finditer(template)]
        nodes, _ = _parse_seq(tokens, 0, template)
        _parsed[template] = nodes
    return nodes


def _parse_seq(tokens: list, i: int, template: str) -> tuple[tuple, int]:
    out: list[tuple] = []
    while i < len(tokens):
        tok = tokens[i].group(0)
        if tok in ("]", "|", ">"):
            return tuple(out), i
        if tok == "{*}":
            out.append(("N",))
        elif tokens[i].group(1):
            name = tokens[i].group(1)
            kind = 2 if name == "outlet" else 3 if name in _SPELL_SLOTS else 1
            out.append(("S", name, kind))
        elif tok in ("[", "[?"):
            inner, i = _parse_seq(tokens, i + 1, template)
            out.append(("O", tok == "[", inner))
        elif tok == "<":
            alts = []
            while True:
                inner, i = _parse_seq(tokens, i + 1, template)
                alts.append(inner)
                if tokens[i].group(0) == ">":
                    break
            out.append(("A", tuple(alts)))
        elif tok == "^":
            out.append(("R",))
        else:
            out.append(("L", tok))
        i += 1
    return tuple(out), i
