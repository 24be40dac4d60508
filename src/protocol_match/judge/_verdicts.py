"""Judging the passages of a new article against their nearest stored passages.

Pure logic: for each passage of the new article it receives the candidate passages already
retrieved from the index (with cosine similarities) and the verdict model's boilerplate
probability, and decides ``template``, ``reused`` or ``novel``, with a novelty score and the
novel spans inside matched passages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..mining import is_chrome
from ..records import Match, Passage, PassageResult, Span, Status
from ..scoring import (
    DEFAULT_THRESHOLD,
    combine,
    containment,
    content_keys,
    novel_spans,
    query_profile,
    shape,
)

# In a small corpus, a best match score at or below NOVEL_FLOOR is fully novel, at or above
# SEEN_CEILING fully seen (the mapping the plain rule used before the verdict model).
NOVEL_FLOOR, SEEN_CEILING = 0.35, 0.9


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
    # The verdict model's probability from which a passage is a template (per level).
    boilerplate_threshold: float = 0.5
    # Too few stories for the verdict model: the plain match rule decides instead.
    small_corpus: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.threshold < 1:
            raise ValueError("threshold must be between 0 and 1")
        if self.min_support < 2:
            raise ValueError("min_support must be at least 2")
        if not 0 <= self.boilerplate_threshold <= 1:
            raise ValueError("boilerplate_threshold must be between 0 and 1")


def score_candidates(text: str, candidates: Sequence[Candidate]) -> list[tuple[float, Candidate]]:
    """Combined match score of each candidate for ``text``, best first."""
    # Short page chrome is compared by shape: its dates and times always differ.
    fold = shape if is_chrome(text) else str
    query = query_profile(fold(text))
    scored = [
        (float(combine(float(c.cosine), containment(query, content_keys(fold(c.text))))), c)
        for c in candidates
    ]
    scored.sort(key=lambda sc: (-sc[0], sc[1].passage_id))
    return scored


def judge(
    passage: Passage,
    candidates: Sequence[Candidate],
    *,
    boilerplate: float,
    template_of: Mapping[int, int],
    story_of: Mapping[str, str],
    settings: JudgeSettings = JudgeSettings(),
    scored: Sequence[tuple[float, Candidate]] | None = None,
    own: frozenset[str] = frozenset(),
) -> PassageResult:
    """The verdict on one passage.

    ``boilerplate`` is the verdict model's probability that the passage is a formula or
    page chrome (``_model``): at ``settings.boilerplate_threshold`` or above the passage is a
    ``template``; below it, a passage that matches stored passages (match score at
    ``settings.threshold``) of fewer than ``settings.min_support`` stories is ``reused``
    from the best-matching article, else ``novel``. Novelty is
    ``1 - boilerplate``. ``template_of`` maps stored passage ids to their mined template;
    ``story_of`` maps article ids to story ids (near-duplicate groups), so the novel spans
    are aligned against one passage per story. ``scored``: the candidates' match scores
    when the caller has them already (``score_candidates``).
    """
    if scored is None:
        scored = score_candidates(passage.text, candidates)
    matched = [(s, c) for s, c in scored if s >= settings.threshold]
    status: Status = "novel"
    template_id: int | None = None
    source: str | None = None
    stories = {story_of.get(c.article_id, c.article_id) for _, c in matched} - own
    if settings.small_corpus:
        # Too few stories for the model's story profile (it was fitted on corpora of about a
        # hundred articles): the plain rule decides, and novelty follows the best match.
        best = scored[0][0] if scored else 0.0
        boilerplate = float(np.clip((best - NOVEL_FLOOR) / (SEEN_CEILING - NOVEL_FLOOR), 0, 1))
        in_template = [template_of[c.passage_id] for _, c in matched if c.passage_id in template_of]
        if in_template or len(stories) >= settings.min_support:
            status, template_id = "template", (in_template[0] if in_template else None)
        elif matched:
            status, source = "reused", matched[0][1].article_id
    elif boilerplate >= settings.boilerplate_threshold:
        status = "template"
        in_template = [
            template_of[c.passage_id] for _, c in scored[:5] if c.passage_id in template_of
        ]
        template_id = in_template[0] if in_template else None
    elif matched and len(stories) < settings.min_support:
        # Copied from a specific earlier story (syndication), not a formula of many stories.
        status = "reused"
        source = matched[0][1].article_id
    spans: tuple[Span, ...] = ()
    if matched and status != "novel":
        # Align with the best match of each matched story: words most of them share are
        # the formula, the rest are slot fills and new facts.
        refs, seen = [], set()
        for _, c in matched:
            story = story_of.get(c.article_id, c.article_id)
            if story not in seen:
                seen.add(story)
                refs.append(c.text)
        spans = novel_spans(passage.text, refs[: settings.span_refs], offset=passage.start)
    matches = tuple(to_match(s, c) for s, c in scored[: settings.max_matches])
    return PassageResult(
        passage=passage,
        status=status,
        novelty=round(float(np.clip(1.0 - boilerplate, 0.0, 1.0)), 4),
        template_id=template_id,
        source_article=source,
        matches=matches,
        novel_spans=spans,
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


def article_novelty(sentences: Sequence[PassageResult]) -> float:
    """Share of the article's sentence characters that are novel."""
    total = sum(len(s.passage.text) for s in sentences)
    if total == 0:
        return 0.0
    novel = sum(len(s.passage.text) for s in sentences if s.status == "novel")
    return round(novel / total, 4)
