"""Judging the passages of a new article against their nearest stored passages.

Pure logic: it receives, for each passage of the new article, candidate passages already
retrieved from the index (with cosine similarities), and decides `template`, `reused` or
`novel`, with a novelty score and the novel spans inside matched passages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ..mining import ClauseHit, is_chrome
from ..records import Match, Passage, PassageResult, Span, Status
from ..scoring import (
    DEFAULT_THRESHOLD,
    MONTHS,
    combine,
    containment,
    content_profile,
    new_dates,
    new_figures,
    novel_spans,
    novelty,
    query_profile,
    shape,
    tokens,
    verdict_novelty,
    word_weight,
)

# A leading noun phrase ("The head of the press service"), and a name after it.
_TITLE = re.compile(r"(?:The|A|An)\s")
# A name after a leading clause: ", Vice Admiral X", ", Colonel General Z. Hasanov".
_NAME_AFTER = re.compile(r"[,;]?\s*(?:[A-Z][\w’'-]*\.?\s+){1,}[A-Z]")
# Novelty floor of a matched passage judged novel because it states new facts.
_NEW_FACTS_NOVELTY = 0.6


@dataclass(frozen=True)
class Candidate:
    """A stored passage retrieved for a query passage."""

    passage_id: int
    article_id: str
    level: str
    text: str
    cosine: float
    start: int = 0
    end: int = 0
    date: str | None = None
    source: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class JudgeSettings:
    threshold: float = DEFAULT_THRESHOLD
    min_support: int = 3
    max_matches: int = 5
    # How many matched stories the novel spans are aligned against (slot-fill token F1 on
    # the synthetic corpus, seed 0: 5 -> 10 references 0.93 -> 0.94 at high noise).
    span_refs: int = 10
    # Matched passages whose novel spans hold new figures or date a new event are novel.
    figures_are_novel: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.threshold < 1:
            raise ValueError("threshold must be between 0 and 1")
        if self.min_support < 2:
            raise ValueError("min_support must be at least 2")


def score_candidates(text: str, candidates: Sequence[Candidate]) -> list[tuple[float, Candidate]]:
    """Combined match score of each candidate for ``text``, best first."""
    # Short page chrome is compared by shape: its dates and times always differ.
    fold = shape if is_chrome(text) else str
    query = query_profile(fold(text))
    scored = [
        (float(combine(c.cosine, containment(query, content_profile(fold(c.text))))), c)
        for c in candidates
    ]
    scored.sort(key=lambda sc: (-sc[0], sc[1].passage_id))
    return scored


def judge(
    passage: Passage,
    candidates: Sequence[Candidate],
    *,
    template_of: Mapping[int, int],
    story_of: Mapping[str, str],
    settings: JudgeSettings = JudgeSettings(),
) -> PassageResult:
    """The verdict on one passage.

    ``template_of`` maps stored passage ids to the template they belong to; ``story_of``
    maps article ids to story ids (near-duplicate groups), so copies of one story count once
    toward ``min_support``.
    """
    scored = score_candidates(passage.text, candidates)
    matched = [(s, c) for s, c in scored if s >= settings.threshold]
    best = scored[0][0] if scored else 0.0
    status: Status = "novel"
    template_id: int | None = None
    source: str | None = None
    spans = ()
    if matched:
        # Align with the best match of each matched story: words most of them share are
        # the formula, the rest are slot fills and new facts.
        refs, seen = [], set()
        for _, c in matched:
            story = story_of.get(c.article_id, c.article_id)
            if story not in seen:
                seen.add(story)
                refs.append(c.text)
        spans = novel_spans(passage.text, refs[: settings.span_refs], offset=passage.start)
    # A familiar frame reporting new figures states new facts (on the synthetic corpus
    # sentence F1 0.53 -> 0.72, see README "Quality"); so does one dating a new event in its
    # body (seed 0, low/default/high: 0.945/0.928/0.909 -> 0.966/0.953/0.934). Its matches
    # and spans are kept.
    new_facts = bool(matched) and settings.figures_are_novel and _states_new_facts(spans, passage)
    if matched and not new_facts:
        in_template = [template_of[c.passage_id] for _, c in matched if c.passage_id in template_of]
        stories = {story_of.get(c.article_id, c.article_id) for _, c in matched}
        if in_template:
            status, template_id = "template", in_template[0]
        elif len(stories) >= settings.min_support:
            status = "template"
        else:
            status = "reused"
            source = matched[0][1].article_id
    matches = tuple(to_match(s, c) for s, c in scored[: settings.max_matches])
    return PassageResult(
        passage=passage,
        status=status,
        novelty=verdict_novelty(
            (max(novelty(best), _NEW_FACTS_NOVELTY) if new_facts else novelty(best))
            if scored
            else 1.0,
            status != "novel",
        ),
        template_id=template_id,
        source_article=source,
        matches=matches,
        novel_spans=spans,
    )


def _states_new_facts(spans: Sequence[Span], passage: Passage) -> bool:
    if new_figures(spans, passage.text, passage.start) > 0:
        return True
    # Page chrome carries a fresh timestamp every time: that is no new fact.
    return not is_chrome(passage.text) and new_dates(spans, passage.text, passage.start) > 0


def apply_clause(result: PassageResult, hit: ClauseHit | None) -> PassageResult:
    """A novel sentence that carries a recurring formula clause is a template sentence.

    The clause is the formula; the rest of the sentence (the new fact glued to it) becomes a
    novel span, and the novelty follows the share of the sentence outside the clause.
    """
    if hit is None or result.status != "novel":
        return result
    p = result.passage
    if hit.start == 0 and _TITLE.match(p.text) and _NAME_AFTER.match(p.text, hit.end):
        # "The head of the press service, Vice Admiral X told ...": a title in apposition
        # to a name is part of who speaks, not a formula glued to a new fact.
        return result
    rest = (hit.end, len(p.text)) if hit.start == 0 else (0, hit.start)
    a, b = rest
    while a < b and not p.text[a].isalnum():
        a += 1
    while b > a and not p.text[b - 1].isalnum():
        b -= 1
    if result.novel_spans and not _has_words(p.text[a:b]):
        # The sentence matched as a whole and states new facts, and only a date or a time
        # lies outside the clause ("At 21:24 on 15 March, <frame>"): the clause is that
        # frame, already judged as a whole.
        return result
    spans = (Span(p.start + a, p.start + b, p.text[a:b]),) if b > a else ()
    share = (b - a) / max(1, len(p.text))
    return replace(
        result,
        status="template",
        novelty=verdict_novelty(share, True),
        novel_spans=spans,
    )


def _has_words(text: str) -> bool:
    """Whether ``text`` holds a content word other than numbers and month names."""
    return any(
        word_weight(w) > 0 and not w[0].isdigit() and w.lower() not in MONTHS
        for _, _, w in tokens(text)
    )


def to_match(score: float, c: Candidate) -> Match:
    """A scored candidate as the ``Match`` record reports show."""
    return Match(
        passage_id=c.passage_id,
        article_id=c.article_id,
        level=c.level,  # type: ignore[arg-type]
        text=c.text,
        similarity=round(score, 4),
        start=c.start,
        end=c.end,
        cosine=round(float(c.cosine), 4),
        date=c.date,
        source=c.source,
        title=c.title,
    )


def merge_paragraphs(
    paragraphs: Sequence[PassageResult], sentences: Sequence[PassageResult]
) -> tuple[PassageResult, ...]:
    """Fold sentence verdicts into paragraph verdicts.

    A formula often sits inside an otherwise new paragraph, so a paragraph that did not
    match as a whole takes the status covering most of its characters at sentence level,
    and its novelty is never above the character-weighted novelty of its sentences.
    """
    out = []
    for para in paragraphs:
        inside = [s for s in sentences if s.passage.paragraph == para.passage.paragraph]
        total = sum(len(s.passage.text) for s in inside) or 1
        sent_novelty = (
            sum(s.novelty * len(s.passage.text) for s in inside) / total if inside else para.novelty
        )
        matched_chars = {
            st: sum(len(s.passage.text) for s in inside if s.status == st)
            for st in ("template", "reused")
        }
        status, template_id, source = para.status, para.template_id, para.source_article
        if status == "novel" and sum(matched_chars.values()) * 2 >= total:
            status = max(matched_chars, key=lambda st: (matched_chars[st], st == "template"))
            first = next(s for s in inside if s.status == status)
            template_id, source = first.template_id, first.source_article
        elif status == "reused" and matched_chars["template"] * 2 >= total:
            # The paragraph's text is a mined template at sentence level (e.g. a one-sentence
            # paragraph whose template was kept at sentence level): say so.
            first = next(s for s in inside if s.status == "template")
            status, template_id, source = "template", first.template_id, None
        spans = para.novel_spans if para.status != "novel" else ()
        if status != "novel" and para.status == "novel":
            spans = tuple(sp for s in inside for sp in s.novel_spans) + tuple(
                _span_of(s) for s in inside if s.status == "novel"
            )
        out.append(
            PassageResult(
                passage=para.passage,
                status=status,  # type: ignore[arg-type]
                novelty=round(min(para.novelty, sent_novelty), 4),
                template_id=template_id,
                source_article=source,
                matches=para.matches,
                novel_spans=tuple(sorted(spans, key=lambda sp: sp.start)),
            )
        )
    return tuple(out)


def _span_of(result: PassageResult):  # noqa: ANN202
    from ..records import Span

    p = result.passage
    return Span(p.start, p.end, p.text)


def article_novelty(sentences: Sequence[PassageResult]) -> float:
    """Share of the article's sentence characters that are novel."""
    total = sum(len(s.passage.text) for s in sentences)
    if total == 0:
        return 0.0
    novel = sum(len(s.passage.text) for s in sentences if s.status == "novel")
    return round(novel / total, 4)
