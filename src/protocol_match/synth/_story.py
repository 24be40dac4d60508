"""Story plans for the synthetic corpus: which formulas and novel sentences an event's
article holds, in which order, and how a syndicated copy edits them (``StoryMaker``)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from . import _bank as B
from ._fills import random_slots, story_ctx
from ._language import Noise, Part, Spec, parse_template, spell


class StoryMaker:
    """Draws stories (article plans) and copy edits from one ``random.Random``."""

    outlets = B.OUTLETS

    def __init__(self, rng: random.Random, noise: Noise, allowed: set[str], novel_rate: float):
        self.rng, self.nz, self.allowed, self.novel_rate = rng, noise, allowed, novel_rate
        self._seen: set[int] = set()  # hashes of novel clauses, so none recurs across stories
        self.last_clause = ""  # the template of the last novel clause drawn
        self._slot_fns = random_slots(rng)

    # ---- expansion ----
    def _expand(
        self, nodes: tuple, ctx: dict[str, str], out: list[Part], st: list, noisy: bool = True
    ) -> None:
        rng, nz = self.rng, self.nz
        for node in nodes:
            tag = node[0]
            if tag == "L":
                out.append((node[1], 0))
            elif tag == "S":
                if node[2] == 2:  # the outlet: filled per copy at render time
                    out.append(("", 2))
                    continue
                val = ctx.get(node[1])
                if val is None:
                    val = self._slot_fns[node[1]]()
                out.append((val, node[2]))
            elif tag == "O":
                keep = node[1]
                if noisy and rng.random() < nz.p_opt:
                    keep, st[0] = not keep, True
                if keep:
                    self._expand(node[2], ctx, out, st, noisy)
            elif tag == "A":
                k = 0
                if noisy and len(node[1]) > 1 and rng.random() < nz.p_alt:
                    k, st[0] = rng.randrange(1, len(node[1])), True
                self._expand(node[1][k], ctx, out, st, noisy)
            elif tag == "R":
                st[1] = len(out)
            else:  # "N": novel clause
                st[2] = len(out)
                out.extend(self.novel_clause(ctx))
                st[3] = len(out)

    def _sentence(self, template: str, ctx: dict[str, str], para: bool) -> tuple[list[Part], bool]:
        out: list[Part] = []
        st: list = [para, -1, -1, -1]
        self._expand(parse_template(template), ctx, out, st)
        if st[1] > 0 and out[0][1] == 0 and self.rng.random() < self.nz.p_reorder:
            out, st[0] = _reorder(out, st[1]), True
        return _start(out, ctx), st[0]

    def novel_clause(self, ctx: dict[str, str], template: str | None = None) -> list[Part]:
        """A same-beat clause never generated before in this corpus (lowercase, no period),
        from ``template`` (one of ``NOVEL_CLAUSES``) or a random one."""
        for _ in range(50):
            out: list[Part] = []
            tpl = template or self.rng.choice(B.NOVEL_CLAUSES)
            self._expand(parse_template(tpl), ctx, out, [False] * 4, False)
            key = hash("".join(t for t, _ in out))
            if key not in self._seen:
                self._seen.add(key)
                self.last_clause = tpl
                return out
        raise RuntimeError("could not draw a fresh novel clause")  # pragma: no cover

    # ---- sentences ----
    def formula(self, fam: str, ctx: dict[str, str]) -> list[Spec]:
        """The sentences of one use of a formula family (novel content if it is excluded)."""
        if fam not in self.allowed:
            return [self.novel(ctx)]
        entry, rng = B.FAMILY_BANK[fam], self.rng
        variant, para = entry["variants"][0], False
        if rng.random() < self.nz.p_variant:
            pool = entry["variants"][1:] + (entry.get("rare", []) if self.nz.rare else [])
            if pool:
                variant, para = rng.choice(pool), True
        specs = []
        for tpl in variant:
            parts, p = self._sentence(tpl, ctx, para)
            specs.append(Spec(parts, fam, "formula", p, None, rng.random() < self.nz.p_flip))
        return specs

    def any_variant(self, fam: str, ctx: dict[str, str]) -> list[Spec]:
        """The family in a phrasing drawn uniformly from all its variants (rare ones too):
        how another outlet retelling a story words the same formula (``_retell``)."""
        entry, rng = B.FAMILY_BANK[fam], self.rng
        pool = entry["variants"] + entry.get("rare", [])
        k = rng.randrange(len(pool))
        specs = []
        for tpl in pool[k]:
            parts, p = self._sentence(tpl, ctx, k > 0)
            specs.append(Spec(parts, fam, "formula", p, None, rng.random() < self.nz.p_flip))
        return specs

    def embedded(self, fam: str, ctx: dict[str, str]) -> Spec:
        """A formula clause wrapped around a novel clause; ``fspan`` marks the formula parts."""
        if fam not in self.allowed:
            return self.novel(ctx)
        forms, rng = B.FAMILY_BANK[fam]["embed"], self.rng
        k = (
            rng.randrange(1, len(forms))
            if len(forms) > 1 and rng.random() < self.nz.p_variant
            else 0
        )
        out: list[Part] = []
        st: list = [k > 0, -1, -1, -1]
        self._expand(parse_template(forms[k]), ctx, out, st)
        lo, hi = st[2], st[3]
        fspan = (hi, len(out)) if lo == 0 else (0, lo)
        if lo == 0:  # expanding initials at the start adds parts before the formula
            n = len(out)
            out = _start(out, ctx)
            fspan = (fspan[0] + len(out) - n, len(out))
        return Spec(out, fam, "formula", st[0], fspan, rng.random() < self.nz.p_flip)

    def novel(self, ctx: dict[str, str], template: str | None = None) -> Spec:
        """A novel content sentence (from ``template``, a ``NOVEL_CLAUSES`` entry, if given)."""
        parts = _start(self.novel_clause(ctx, template) + [(".", 0)], ctx)
        flip = self.rng.random() < self.nz.p_flip
        return Spec(parts, None, "novel", False, None, flip, self.last_clause)

    # ---- paragraphs ----
    def novel_para(self, ctx: dict[str, str]) -> list[Spec]:
        n = self.rng.choices((1, 2, 3, 4), (3, 4, 2, 1))[0]
        para = [self.novel(ctx) for _ in range(n)]
        if self.rng.random() < 0.12:  # an attribution clause hidden in a content sentence
            para[self.rng.randrange(n)] = self.embedded("attribution", ctx)
        return para

    def formula_para(self, fam: str, ctx: dict[str, str]) -> list[Spec]:
        entry, r = B.FAMILY_BANK[fam], self.rng.random()
        if entry["mode"] != "sent" or r < 0.45:
            return self.formula(fam, ctx)
        if r > 0.8 and "embed" in entry:
            para = [self.embedded(fam, ctx)]
            if self.rng.random() < 0.5:
                para.append(self.novel(ctx))
            return para
        novel = [self.novel(ctx) for _ in range(self.rng.randint(1, 2))]
        form = self.formula(fam, ctx)
        return form + novel if self.rng.random() < 0.5 else novel + form

    # ---- stories ----
    def story(self, sibling_of: Story | None = None) -> Story:
        """A new story: a plan of paragraphs for one event.

        With ``sibling_of``, another event of the same kind with the same foreign side a few
        days later (the delegation's next meeting, with another host): a hard negative for
        near-duplicate detection, written from the same templates with many shared names.
        """
        rng = self.rng
        ctx = story_ctx(rng)
        stype = rng.choices(("visit", "condolence", "reception", "exercise"), (55, 15, 10, 20))[0]
        if sibling_of is not None:
            ctx.update({k: sibling_of.ctx[k] for k in _GUEST_KEYS})
            stype = sibling_of.stype
        target = rng.randint(5, 11)
        queue: list[str] = []
        if stype == "visit":
            if rng.random() < 0.7:
                lead = self.formula("delegation_lead", ctx)
            else:
                lead = [self.embedded("attribution", ctx)]
            queue += ["grave_visit"] if rng.random() < 0.6 else []
            queue += ["welcome"] if rng.random() < 0.85 else []
            body = [
                "operational_situation",
                "strategic_alliance",
                "military_cooperation",
                "gratitude",
                "exchange_views",
                "joint_exercises",
                "military_education",
                "martyrs_memory",
                "visit_program",
                "defense_industry",
            ]
            queue += rng.sample(body, rng.randint(2, 6))
        elif stype == "condolence":
            lead = self.formula("condolences", ctx)
            queue += [
                f
                for f, p in (("strategic_alliance", 0.4), ("attribution", 0.3))
                if rng.random() < p
            ]
        elif stype == "reception":
            lead = self.formula("embassy_reception", ctx)
            queue += [
                f
                for f, p in (
                    ("martyrs_memory", 0.5),
                    ("strategic_alliance", 0.6),
                    ("military_cooperation", 0.5),
                    ("defense_industry", 0.3),
                )
                if rng.random() < p
            ]
        else:
            lead = [self.embedded("attribution", ctx)]
            queue += ["joint_exercises"] + [
                f
                for f, p in (("military_cooperation", 0.4), ("exchange_views", 0.3))
                if rng.random() < p
            ]
        if rng.random() < 0.3 and len(lead) < 4:
            lead.append(self.novel(ctx))
        closing = stype == "visit" and rng.random() < 0.5
        merge = closing and rng.random() < 0.4  # closing as the last sentence of a paragraph
        paras = [lead]
        fixed = {"grave_visit", "welcome", "condolences"}
        while len(paras) < target - (closing and not merge):
            if queue and (queue[0] in fixed or rng.random() >= self.novel_rate):
                paras.append(self.formula_para(queue.pop(0), ctx))
            else:
                paras.append(self.novel_para(ctx))
        if closing:
            end = self.formula("closing", ctx)
            if merge and len(paras[-1]) + len(end) <= 4:
                paras[-1] = paras[-1] + end
            else:
                paras.append(end)
        day = dt.date.fromordinal(rng.randint(_FIRST_DAY, _LAST_DAY))
        if sibling_of is not None:
            day = sibling_of.day + dt.timedelta(days=rng.randint(0, 2))
        return Story(paras, day, ctx, stype)

    def copy_edit(self, story: Story) -> tuple[list[list[Spec]], dt.date]:
        """A lightly edited copy of a story's paragraphs, and its (same or next) day."""
        rng = self.rng
        paras = [list(p) for p in story.paragraphs]
        edit = rng.random()  # at most one edit per copy: drop a sentence, add one, or none
        if edit < 0.35:
            multi = [i for i in range(1, len(paras)) if len(paras[i]) > 1]
            if multi:
                p = paras[rng.choice(multi)]
                del p[rng.randrange(len(p))]
        elif edit < 0.7:
            short = [i for i in range(1, len(paras)) if len(paras[i]) < 4]
            if short:
                paras[rng.choice(short)].append(self.novel(story.ctx))
        day = story.day + dt.timedelta(days=1 if rng.random() < 0.4 else 0)
        return paras, day


@dataclass
class Story:
    paragraphs: list[list[Spec]]
    day: dt.date
    ctx: dict[str, str]
    stype: str


# The foreign side of an event: what a sibling story (same delegation, next meeting) shares.
_GUEST_KEYS = "country long nat pair city guest guest_full guest_short guest_title disaster".split()
_FIRST_DAY = dt.date(2019, 1, 1).toordinal()
_LAST_DAY = dt.date(2025, 12, 31).toordinal()


def _start(parts: list[Part], ctx: dict[str, str]) -> list[Part]:
    """Capitalize a sentence start; never start with bare initials ("Z. Hasanov said").

    Sentence splitters (blingfire, and so the project's) glue a sentence that starts with
    initials to the one before, so the host gets his rank and a guest his full name there.
    """
    t, k = parts[0]
    if t == ctx.get("host_short"):
        return [(ctx["host_rank"], 1), (" ", 0)] + parts
    if t == ctx.get("guest_short"):
        return [(ctx["guest"], 1)] + parts[1:]
    if t[:1].islower():
        parts[0] = (t[0].upper() + t[1:], k)
    return parts


def _reorder(parts: list[Part], mark: int) -> list[Part]:
    """``Head, tail.`` -> ``Tail head.`` (the leading clause moves to the end)."""
    head, tail = parts[:mark], parts[mark:]
    h_text, h_kind = head[-1]
    head[-1] = (h_text.rstrip().rstrip(","), h_kind)
    t_text, t_kind = tail[-1]
    tail[-1] = (t_text[:-1], t_kind)  # drop the final period
    first, kind = head[0]
    head[0] = (first[0].lower() + first[1:], kind)
    return tail + [(" ", 0)] + head + [(".", 0)]


_TITLES = {
    "visit": (
        "{host_short} meets {nat} delegation",
        "Azerbaijani defense minister receives delegation led by {guest}",
        "{nat} delegation visits Azerbaijan's Defense Ministry",
        "Azerbaijan, {country} discuss military cooperation",
    ),
    "condolence": (
        "Azerbaijani defense minister offers condolences to {country}",
        "{host_short} sends condolence letter to {nat} counterpart",
    ),
    "reception": (
        "Reception held at {nat} embassy on anniversary of armed forces",
        "{nat} Armed Forces anniversary marked in Baku",
    ),
    "exercise": ("Azerbaijani and {nat} troops hold joint drills", "{exercise} exercise continues"),
}


def article_title(rng: random.Random, story: Story, outlet: tuple[str, bool, int]) -> str:
    """A headline for one copy of the story in the outlet's spelling."""
    title = rng.choice(_TITLES[story.stype])
    for key in ("host_short", "nat", "guest", "country", "exercise"):
        title = title.replace("{" + key + "}", story.ctx[key])
    return spell(title) if outlet[1] else title
