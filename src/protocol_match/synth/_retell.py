"""Hard near-duplicate cases for the synthetic corpus: retellings and same-week twin events.

Syndicated copies (``StoryMaker.copy_edit``) are light edits of one text and easy to group. Real
outlets also *retell* a story: the same event and facts (names, places, figures) in other words,
with paragraphs reordered, dropped or added, another dateline and sign-off, and a date a day off.
The hard negatives are *twins*: another delegation received by the same host in the same week,
written from the same formulas in the same order, with other names, dates and figures. Grouping
a twin with its base story would wrongly collapse template support.

Everything here draws from the ``StoryMaker`` it is given, so ``_corpus`` runs it on a random
stream of its own and the articles of the main stream stay unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from . import _bank as B
from ._fills import story_ctx
from ._language import Spec
from ._story import Story, StoryMaker

# What a twin event shares with its base story: the host (the same minister receives another
# delegation), not the guest side.
_HOST_KEYS = "host host_short host_rank host_title host_title_c host2 host2_rank".split()
_PHRASE_RE = re.compile(
    r"\b("
    + "|".join(re.escape(p) for p in sorted(B.RETELL_PHRASES, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)
_MONTHS = "|".join(B.MONTHS)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}) ({_MONTHS})\b")
_THOUSANDS = re.compile(r"(\d),(\d{3})\b")
# Sentence starts that may be lowercased after a lead-in ("According to the ministry, the ...").
_LOWER_OK = frozenset("The A An As On At Within Some More Mine Instructors".split())


@dataclass(frozen=True)
class HardArticle:
    """One article of the hard set before rendering: paragraphs, day, outlet and truth."""

    paragraphs: list[list[Spec]]
    day: dt.date
    outlet: int
    story: Story
    story_key: int  # which hard story (0, 1, ...); twins get their own key
    role: str  # "original", "copy", "retelling", "twin" or "twin-retelling"
    twin_of: int | None  # the story key a twin story is the hard negative of


class Reteller:
    """Retellings and twins drawn from one ``StoryMaker`` (and its random stream)."""

    def __init__(self, maker: StoryMaker) -> None:
        self.maker, self.rng = maker, maker.rng

    # ---- sentences ----
    def reword_text(self, text: str) -> str:
        """Template wording in other words (each known phrase replaced with p = 0.8)."""

        def sub(m: re.Match[str]) -> str:
            found = m.group(1)
            if self.rng.random() >= 0.8:
                return found
            alt = self.rng.choice(B.RETELL_PHRASES[found.lower()])
            return alt[0].upper() + alt[1:] if found[0].isupper() else alt

        return _PHRASE_RE.sub(sub, text)

    def reword(self, spec: Spec, style: tuple[bool, bool] = (False, False)) -> Spec:
        """A sentence in other words: template parts reworded, slot fills (the facts) kept
        but written in the outlet's ``style`` (month-first dates, figures without thousands
        separators); a novel sentence may also get a lead-in or an attribution tag."""
        parts = [
            (self.reword_text(t), k) if k == 0 else (restyle(t, style), k) for t, k in spec.parts
        ]
        if spec.kind == "novel" and self.rng.random() < 0.3:
            parts = self._frame(parts)
        changed = parts != spec.parts
        paraphrased = spec.paraphrased or (changed and spec.kind == "formula")
        return Spec(parts, spec.family, spec.kind, paraphrased, spec.fspan, spec.flip)

    def _frame(self, parts: list[tuple[str, int]]) -> list[tuple[str, int]]:
        first, kind = parts[0]
        word = first.split(" ", 1)[0]
        if kind == 0 and word in _LOWER_OK and self.rng.random() < 0.5:
            lead = self.rng.choice(B.RETELL_LEADS)
            return [(lead + first[0].lower() + first[1:], 0)] + parts[1:]
        last, kind = parts[-1]
        if kind == 0 and last.endswith(".") and not last.endswith(".."):
            return parts[:-1] + [(last[:-1] + self.rng.choice(B.RETELL_TAGS), 0)]
        return parts

    def _paragraph(
        self, para: list[Spec], ctx: dict[str, str], style: tuple[bool, bool]
    ) -> list[Spec]:
        fams = {s.family for s in para}
        whole_formula = (
            len(fams) == 1
            and all(s.kind == "formula" and s.fspan is None for s in para)
            and B.FAMILY_BANK[para[0].family]["mode"] != "chrome"
        )
        if whole_formula and self.rng.random() < 0.6:  # the formula in another phrasing
            return self.maker.any_variant(para[0].family, ctx)
        return [self.reword(s, style) if self.rng.random() < 0.85 else s for s in para]

    # ---- articles ----
    def retell(self, story: Story) -> tuple[list[list[Spec]], dt.date]:
        """The story retold by another outlet, and its day (one day off at most)."""
        rng, maker = self.rng, self.maker
        style = (rng.random() < 0.5, rng.random() < 0.5)
        paras = [self._paragraph(p, story.ctx, style) for p in story.paragraphs]
        lead, body = paras[0], paras[1:]
        closing = body.pop() if body and body[-1][-1].family == "closing" else None
        # another outlet covers part of the story (up to half of it) and adds its own context
        for _ in range(rng.randint(1, max(1, len(body) // 2))):
            if len(body) > 2:
                del body[rng.randrange(len(body))]
        for _ in range(rng.choice((1, 1, 2, 3))):
            body.insert(rng.randint(0, len(body)), maker.novel_para(story.ctx))
        if len(body) > 1:
            if rng.random() < 0.3:
                rng.shuffle(body)
            elif rng.random() < 0.7:
                i, j = rng.sample(range(len(body)), 2)
                body[i], body[j] = body[j], body[i]
        while len(body) + 1 + (closing is not None) < 5:
            body.append(maker.novel_para(story.ctx))
        body = body[: 10 - (closing is not None)]
        out = [lead] + body + ([closing] if closing else [])
        day = story.day + dt.timedelta(days=rng.choice((-1, 0, 0, 1)))
        return out, day

    def twin(self, story: Story) -> Story:
        """Another event of the same kind in the same week: the same host receives another
        delegation, written from the same formulas in the same order (a hard negative)."""
        rng, maker = self.rng, self.maker
        ctx = story_ctx(rng)
        for _ in range(5):  # another country: the sibling stories cover the same-guest case
            if ctx["country"] != story.ctx["country"]:
                break
            ctx = story_ctx(rng)
        ctx.update({k: story.ctx[k] for k in _HOST_KEYS})
        paras: list[list[Spec]] = []
        for para in story.paragraphs:
            new: list[Spec] = []
            prev = None
            for spec in para:
                fam = spec.family
                if spec.kind == "formula" and fam is not None:
                    if spec.fspan is not None:
                        new.append(maker.embedded(fam, ctx))
                    elif fam != prev:  # a family's variant is drawn whole, once
                        new.extend(maker.formula(fam, ctx))
                    prev = fam
                else:  # mostly the same kind of fact, with other figures
                    same = spec.clause if self.rng.random() < 0.8 else None
                    new.append(maker.novel(ctx, same))
                    prev = None
            paras.append(new)
        day = story.day + dt.timedelta(days=rng.randint(-2, 3))
        return Story(paras, day, ctx, story.stype)


def restyle(fill: str, style: tuple[bool, bool]) -> str:
    """A slot fill in another outlet's style: ``(month_first, plain_figures)`` turn
    "15 November" into "November 15" and "22,854" into "22854"."""
    month_first, plain = style
    if month_first:
        fill = _DAY_MONTH.sub(r"\2 \1", fill)
    if plain:
        fill = _THOUSANDS.sub(r"\1\2", fill)
    return fill


def hard_articles(
    maker: StoryMaker, n_articles: int, *, twin_rate: float = 0.6
) -> Iterator[HardArticle]:
    """``n_articles`` hard cases: stories run by one outlet and retold by 1-2 others (some
    also syndicated with light edits), most with a twin event that is itself sometimes retold.
    """
    rng, rt = maker.rng, Reteller(maker)
    n_outlets = len(maker.outlets)
    made, key = 0, 0
    while made < n_articles:
        base, base_key = maker.story(), key
        key += 1
        outlets = rng.sample(range(n_outlets), 4)
        batch = [
            HardArticle(base.paragraphs, base.day, outlets[0], base, base_key, "original", None)
        ]
        for o in outlets[1 : 1 + rng.choice((1, 1, 2))]:
            paras, day = rt.retell(base)
            batch.append(HardArticle(paras, day, o, base, base_key, "retelling", None))
        if rng.random() < 0.3:
            paras, day = maker.copy_edit(base)
            batch.append(HardArticle(paras, day, outlets[3], base, base_key, "copy", None))
        if rng.random() < twin_rate:
            twin, twin_key = rt.twin(base), key
            key += 1
            # often the same outlet runs both events of the week
            o = outlets[0] if rng.random() < 0.5 else rng.randrange(n_outlets)
            batch.append(
                HardArticle(twin.paragraphs, twin.day, o, twin, twin_key, "twin", base_key)
            )
            if rng.random() < 0.5:
                paras, day = rt.retell(twin)
                o2 = rng.choice([x for x in range(n_outlets) if x != o])
                batch.append(
                    HardArticle(paras, day, o2, twin, twin_key, "twin-retelling", base_key)
                )
        yield from batch[: n_articles - made]
        made += len(batch)
