"""One copy of a story as one outlet runs it: page chrome around the story's paragraphs,
then the text rendered in the outlet's spelling, with the label offsets of every sentence."""

from __future__ import annotations

import datetime as dt
import random

from . import _bank as B
from ._language import Part, Spec, parse_template, spell


def chrome_paragraphs(
    rng: random.Random,
    outlet: tuple[str, bool, int],
    day: dt.date,
    allowed: set[str],
    paras: list[list[Spec]],
) -> list[list[Spec]]:
    """The story's paragraphs framed by this outlet's dateline/timestamp and page chrome."""
    maker_chrome = _ChromeMaker(rng)
    ctx = {
        "month": B.MONTHS[day.month - 1],
        "day": str(day.day),
        "d": str(day.day),
        "yyyy": str(day.year),
        "hhmm": f"{rng.randint(8, 22):02d}:{rng.randint(0, 59):02d}",
    }
    style = outlet[2]
    out = [list(p) for p in paras]
    if style == 1 and "dateline" in allowed:
        out[0].insert(0, maker_chrome.line("dateline", 1, ctx))
    elif style == 0 and "dateline" in allowed:
        # "BAKU, Azerbaijan, May 10." is glued to the lead by sentence splitters (the project's
        # included), so it becomes part of the lead sentence's label rather than its own.
        line, lead = maker_chrome.line("dateline", 0, ctx), out[0][0]
        shift = len(line.parts) + 1
        fspan = None if lead.fspan is None else (lead.fspan[0] + shift, lead.fspan[1] + shift)
        parts = line.parts + [(" ", 0)] + lead.parts
        out[0][0] = Spec(parts, lead.family, lead.kind, lead.paraphrased, fspan, lead.flip)
    if style in (2, 3) and "timestamp" in allowed:
        out.insert(0, [maker_chrome.line("timestamp", style - 2, ctx)])
    if "page_chrome" in allowed:
        n_variants = len(B.FAMILY_BANK["page_chrome"]["variants"])
        if rng.random() < 0.1 and len(out) < 14:
            out.insert(0, [maker_chrome.line("page_chrome", 1, ctx)])
        for _ in range(min(rng.choice((0, 1, 1, 2)), 14 - len(out))):
            out.append([maker_chrome.line("page_chrome", rng.randrange(n_variants), ctx)])
    return out


class _ChromeMaker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def line(self, fam: str, variant: int, ctx: dict[str, str]) -> Spec:
        out: list[Part] = []
        for node in parse_template(B.FAMILY_BANK[fam]["variants"][variant][0]):
            if node[0] == "L":
                out.append((node[1], 0))
            elif node[2] == 2:
                out.append(("", 2))
            else:
                out.append((ctx.get(node[1], ""), node[2]))
        return Spec(out, fam, "chrome", False)


def render(paragraphs: list[list[Spec]], outlet: tuple[str, bool, int]) -> tuple[str, list[tuple]]:
    """Join specs into article text; return it with raw label tuples (absolute offsets)."""
    name, british = outlet[0], outlet[1]
    sentences: list[str] = []
    raw: list[tuple] = []
    pos = 0
    for p_i, para in enumerate(paragraphs):
        if p_i:
            sentences.append("\n\n")
            pos += 2
        for s_i, spec in enumerate(para):
            if s_i:
                sentences.append(" ")
                pos += 1
            uk = british != spec.flip
            texts = [name if k == 2 else spell(t) if uk and k != 1 else t for t, k in spec.parts]
            starts = []
            slots = []
            cur = pos
            for t, (_, k) in zip(texts, spec.parts, strict=True):
                starts.append(cur)
                if k:
                    slots.append((_int(cur), _int(cur + len(t))))
                cur += len(t)
            sent = "".join(texts)
            fspan = None
            if spec.fspan is not None:
                lo, hi = spec.fspan
                fspan = _trim(sent, pos, starts[lo], starts[hi] if hi < len(starts) else cur)
            raw.append(
                (
                    _int(pos),
                    _int(cur),
                    spec.family,
                    spec.kind,
                    spec.paraphrased,
                    tuple(slots),
                    fspan,
                )
            )
            sentences.append(sent)
            pos = cur
    return "".join(sentences), raw


_SHARED_INTS = tuple(range(20_000))


def _int(n: int) -> int:
    """The shared int object for ``n``: millions of offsets then cost no memory of their own."""
    return _SHARED_INTS[n] if n < 20_000 else n


def _trim(sent: str, start: int, lo: int, hi: int) -> tuple[int, int]:
    """Shrink ``[lo, hi)`` past separators (spaces, commas, final period) at either end."""
    a, b = lo - start, hi - start
    while a < b and sent[a] in " ,.":
        a += 1
    while b > a and sent[b - 1] in " ,.":
        b -= 1
    return (start + a, start + b)
