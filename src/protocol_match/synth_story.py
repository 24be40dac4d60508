"""Story building for the synthetic corpus: the template language, noise, and article plans.

A template (syntax in ``synth_bank``) is expanded into *parts*: ``(text, kind)`` pairs where
kind 0 is template wording, 1 a slot fill kept as is (names, numbers), 2 the outlet (filled per
copy), 3 a slot fill that follows the outlet's spelling (titles, units). Keeping parts apart
lets the renderer compute slot spans and formula spans exactly and re-spell per outlet.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass

from protocol_match import synth_bank as B

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


def _parse(template: str) -> tuple:
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


class StoryMaker:
    """Draws stories (article plans) and copy edits from one ``random.Random``."""

    outlets = B.OUTLETS

    def __init__(self, rng: random.Random, noise: Noise, allowed: set[str], novel_rate: float):
        self.rng, self.nz, self.allowed, self.novel_rate = rng, noise, allowed, novel_rate
        self._seen: set[int] = set()  # hashes of novel clauses, so none recurs across stories
        self.last_clause = ""  # the template of the last novel clause drawn
        self._slot_fns = _random_slots(rng)

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
        self._expand(_parse(template), ctx, out, st)
        if st[1] > 0 and out[0][1] == 0 and self.rng.random() < self.nz.p_reorder:
            out, st[0] = _reorder(out, st[1]), True
        return _start(out, ctx), st[0]

    def novel_clause(self, ctx: dict[str, str], template: str | None = None) -> list[Part]:
        """A same-beat clause never generated before in this corpus (lowercase, no period),
        from ``template`` (one of ``NOVEL_CLAUSES``) or a random one."""
        for _ in range(50):
            out: list[Part] = []
            tpl = template or self.rng.choice(B.NOVEL_CLAUSES)
            self._expand(_parse(tpl), ctx, out, [False] * 4, False)
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
        how another outlet retelling a story words the same formula (``synth_retell``)."""
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
        self._expand(_parse(forms[k]), ctx, out, st)
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
        ctx = _story_ctx(rng)
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


def ordinal(n: int) -> str:
    """1 -> '1st', 12 -> '12th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _initials(first: str, last: str) -> str:
    return "".join(f[0] + "." for f in first.split()) + " " + last


def story_ctx(rng: random.Random) -> dict[str, str]:
    """Names, titles and places of a new event (public form of ``_story_ctx``)."""
    return _story_ctx(rng)


def _story_ctx(rng: random.Random) -> dict[str, str]:
    """Names, titles and places of one event, shared by all its sentences."""
    country, long, nat, cities, firsts, lasts = rng.choice(B.COUNTRIES)
    gfirst = " ".join(rng.sample(firsts, 2)) if rng.random() < 0.2 else rng.choice(firsts)
    glast = rng.choice(lasts)
    grank = "" if rng.random() < 0.15 else rng.choice(B.FOREIGN_RANKS) + " "
    hfirst, hlast = rng.choice(B.AZ_FIRST), rng.choice(B.AZ_LAST)
    host_title = rng.choice(B.HOST_TITLES)
    day = rng.randint(1, 28)
    return {
        "country": country,
        "long": long,
        "nat": nat,
        "pair": f"Azerbaijani-{nat}",
        "city": rng.choice(cities),
        "guest": f"{gfirst} {glast}",
        "guest_full": f"{grank}{gfirst} {glast}",
        "guest_short": _initials(gfirst, glast),
        "guest_title": rng.choice(B.GUEST_TITLES).replace("{long}", long),
        "host": f"{hfirst} {hlast}",
        "host_short": _initials(hfirst, hlast),
        "host_rank": rng.choice(B.AZ_RANKS),
        "host_title": host_title,
        "host_title_c": host_title[0].upper() + host_title[1:],
        "host2": f"{rng.choice(B.AZ_FIRST)} {rng.choice(B.AZ_LAST)}",
        "host2_rank": rng.choice(B.AZ_RANKS),
        "facility": rng.choice(B.FACILITIES),
        "ordinal": ordinal(rng.randint(10, 110)),
        "date_text": f"{day} {rng.choice(B.MONTHS)}",
        "disaster": rng.choice(
            (
                "the earthquake in the {c} region",
                "the helicopter crash near {c}",
                "the floods in the {c} province",
                "the explosion at an ammunition depot near {c}",
                "the plane crash near {c}",
            )
        ).replace("{c}", rng.choice(cities)),
        "exercise": f"{rng.choice(B.EXERCISE_WORDS)}-{rng.randint(2019, 2025)}",
    }


def _random_slots(rng: random.Random) -> dict:
    """Per-sentence slot fills drawn fresh each time (numbers, systems, units ...)."""
    ri, ch = rng.randint, rng.choice

    def unit() -> str:
        return (
            ch(B.UNIT_FORMS).replace("{o}", ordinal(ri(1, 40))).replace("{n}", str(ri(1000, 99999)))
        )

    def dm() -> str:
        return f"{ri(1, 28)} {ch(B.MONTHS)}"

    return {
        "n1": lambda: str(ri(2, 40)),
        "n2": lambda: str(ri(10, 950)),
        "n3": lambda: f"{ri(1000, 25000):,}",
        "n4": lambda: str(ri(2, 24)),
        "pct": lambda: str(ri(5, 95)),
        "km": lambda: str(ri(5, 900)),
        "money": lambda: f"{ri(2, 900)} million {ch(('manats', 'US dollars', 'euros'))}",
        "system": lambda: f"{ch(B.SYS_PREFIX)}-{ri(1, 400)}{ch(('', '', 'M', 'K', 'A'))}",
        "sys_kind": lambda: ch(B.SYS_KINDS),
        "company": lambda: f"{ch(B.COMPANY_ROOTS)} {ch(B.COMPANY_SUFFIX)}",
        "unit": unit,
        "place": lambda: ch(B.AZ_PLACES),
        "range": lambda: ch(B.RANGES),
        "month": lambda: ch(B.MONTHS),
        "year": lambda: str(ri(2010, 2024)),
        "year_fut": lambda: str(ri(2025, 2032)),
        "acad_year": lambda: (lambda y: f"{y}-{y + 1}")(ri(2024, 2030)),
        "dm": dm,
        "hhmm": lambda: f"{ri(0, 23):02d}:{ri(0, 59):02d}",
        "person": lambda: (
            f"{ch(B.PERSON_ROLES)}, {ch(B.AZ_RANKS)} {ch(B.AZ_FIRST)} {ch(B.AZ_LAST)}"
        ),
        "topic": lambda: ch(B.TOPICS),
        "freq": lambda: ch(B.FREQS),
        "expo": lambda: ch(B.EXPOS),
        "vehicle": lambda: ch(B.VEHICLES),
        "course": lambda: ch(B.COURSES),
        "academy": lambda: ch(B.ACADEMIES),
    }


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
        for node in _parse(B.FAMILY_BANK[fam]["variants"][variant][0]):
            if node[0] == "L":
                out.append((node[1], 0))
            elif node[2] == 2:
                out.append(("", 2))
            else:
                out.append((ctx.get(node[1], ""), node[2]))
        return Spec(out, fam, "chrome", False)


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
