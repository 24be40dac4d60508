"""Labeled synthetic corpus of defence-ministry news, deterministic by seed.

Articles are built from formula families (``_bank.FAMILY_BANK``) with slot fills, paraphrase
noise and novel same-beat content; a share of stories is syndicated to other outlets with light
edits. Every generated sentence carries a :class:`SentenceLabel`, so benchmarks can score
template detection, novel spans and duplicate detection against ground truth.

Rendering happens in two steps so syndicated copies are cheap and consistent: a story is a list
of paragraphs of sentence *specs* (text parts in American spelling, the outlet left open), then
each copy renders the specs with its outlet's spelling, attribution and page chrome.
"""

from __future__ import annotations

import gc
import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..records import Article
from ._bank import FAMILY_BANK
from ._language import NOISE_LEVELS
from ._outlet import chrome_paragraphs, render
from ._retell import hard_articles
from ._story import StoryMaker, article_title

log = logging.getLogger(__name__)

FAMILIES: tuple[str, ...] = tuple(FAMILY_BANK)


@dataclass(frozen=True, slots=True)
class SentenceLabel:
    """Ground truth for one generated sentence.

    ``start``/``end`` are offsets of exactly the sentence in ``Article.text``. ``family`` is the
    template family (None for novel content); ``kind`` is "formula", "chrome" or "novel";
    ``paraphrased`` is True when the wording differs from the family's canonical phrasing
    beyond spelling and slot fills. ``slot_spans`` are absolute spans of the slot fills (names,
    dates, numbers, places, outlets): the words a detector should call novel inside a formula.
    ``formula_span`` is set when a formula clause is embedded in a longer novel sentence.
    """

    article_id: str
    start: int
    end: int
    family: str | None
    kind: str
    paraphrased: bool
    slot_spans: tuple[tuple[int, int], ...]
    formula_span: tuple[int, int] | None

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form for JSON."""
        return {
            "article_id": self.article_id,
            "start": self.start,
            "end": self.end,
            "family": self.family,
            "kind": self.kind,
            "paraphrased": self.paraphrased,
            "slot_spans": [list(s) for s in self.slot_spans],
            "formula_span": list(self.formula_span) if self.formula_span else None,
        }


@dataclass(frozen=True)
class SynthCorpus:
    """A generated corpus: articles, per-sentence labels, and the story of every article."""

    articles: tuple[Article, ...]
    labels: tuple[SentenceLabel, ...]
    story_of: dict[str, str]
    noise: str
    seed: int
    _by_article: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False, compare=False)
    # Hard duplicate cases only (``hard_duplicates`` > 0): article id -> "original", "copy",
    # "retelling", "twin" or "twin-retelling"; twin story id -> the story it must not join.
    role_of: dict[str, str] = field(default_factory=dict)
    twin_of: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form: articles (with story; role and twin_of in the hard set), labels,
        noise and seed."""
        return {
            "noise": self.noise,
            "seed": self.seed,
            "articles": [self._row(a) for a in self.articles],
            "labels": [lab.to_dict() for lab in self.labels],
        }

    def _row(self, a: Article) -> dict[str, Any]:
        story = self.story_of[a.id]
        return _article_row(a, story, self.role_of.get(a.id), self.twin_of.get(story))

    def labels_for(self, article_id: str) -> list[SentenceLabel]:
        """Labels of one article in text order (empty for an unknown id)."""
        if not self._by_article and self.labels:  # built without the index: make it once
            for i, lab in enumerate(self.labels):
                lo, _ = self._by_article.get(lab.article_id, (i, i))
                self._by_article[lab.article_id] = (lo, i + 1)
        lo, hi = self._by_article.get(article_id, (0, 0))
        return list(self.labels[lo:hi])

    def duplicate_pairs(self) -> set[frozenset[str]]:
        """Every pair of articles that tell the same story (syndicated copies)."""
        groups: dict[str, list[str]] = {}
        for aid, story in self.story_of.items():
            groups.setdefault(story, []).append(aid)
        pairs: set[frozenset[str]] = set()
        for ids in groups.values():
            for i, a in enumerate(ids):
                for b in ids[i + 1 :]:
                    pairs.add(frozenset((a, b)))
        return pairs

    def twin_pairs(self) -> set[frozenset[str]]:
        """Every pair of articles of a twin story and its base story: different events of
        the same host, week and formulas, which must not be grouped (hard negatives)."""
        members: dict[str, list[str]] = {}
        for aid, story in self.story_of.items():
            members.setdefault(story, []).append(aid)
        return {
            frozenset((a, b))
            for twin, base in self.twin_of.items()
            for a in members.get(twin, ())
            for b in members.get(base, ())
        }


def _article_row(
    a: Article, story: str, role: str | None = None, twin_of: str | None = None
) -> dict[str, Any]:
    row = {
        "id": a.id,
        "text": a.text,
        "date": a.date,
        "source": a.source,
        "title": a.title,
        "story": story,
    }
    if role is not None:  # only hard-set articles: older corpora keep their exact rows
        row["role"] = role
    if twin_of is not None:  # a twin event: the story it must not be grouped with
        row["twin_of"] = twin_of
    return row


def generate_corpus(
    n_articles: int,
    *,
    seed: int = 0,
    noise: str = "default",
    copy_rate: float = 0.25,
    novel_rate: float = 0.45,
    sibling_rate: float = 0.2,
    families: Sequence[str] | None = None,
    hard_duplicates: float = 0.0,
) -> SynthCorpus:
    """Generate ``n_articles`` labeled articles, deterministic for a given argument set.

    ``copy_rate`` is the share of stories syndicated to 1-3 more outlets (copies count toward
    ``n_articles``); ``novel_rate`` is the chance that a body paragraph is novel content rather
    than a formula; ``sibling_rate`` is the share of stories followed by a sibling (another
    event of the same delegation within two days, first run by the same outlet: a hard
    negative for near-duplicate detection); ``families`` restricts the formula/chrome families
    used (others are replaced by novel content). ``hard_duplicates`` appends about
    ``hard_duplicates * n_articles`` more articles (ids ``syn-{seed}-h...``): stories retold by
    other outlets (other wording, paragraphs reordered/dropped/added, date one day off) and
    twin events (same host, week and formulas; other guests and figures), drawn from a random
    stream of their own, so the first ``n_articles`` are the same with or without them.
    Raises ValueError on bad arguments.
    """
    if not isinstance(n_articles, int) or n_articles < 1:
        raise ValueError(f"n_articles must be a positive integer, got {n_articles!r}")
    if noise not in NOISE_LEVELS:
        raise ValueError(f"noise must be one of {sorted(NOISE_LEVELS)}, got {noise!r}")
    if not 0.0 <= copy_rate <= 1.0:
        raise ValueError(f"copy_rate must be in [0, 1], got {copy_rate!r}")
    if not 0.0 <= novel_rate <= 1.0:
        raise ValueError(f"novel_rate must be in [0, 1], got {novel_rate!r}")
    if not 0.0 <= sibling_rate <= 1.0:
        raise ValueError(f"sibling_rate must be in [0, 1], got {sibling_rate!r}")
    if not 0.0 <= hard_duplicates <= 10.0:
        raise ValueError(f"hard_duplicates must be in [0, 10], got {hard_duplicates!r}")
    allowed = set(FAMILIES) if families is None else set(families)
    unknown = allowed - set(FAMILIES)
    if unknown:
        raise ValueError(f"unknown families {sorted(unknown)}; known: {', '.join(FAMILIES)}")

    # The generator allocates millions of small objects that all stay alive; the cyclic GC
    # would rescan them again and again (100k articles: 112 s with it, far less without).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        corpus = _generate(n_articles, seed, noise, novel_rate, copy_rate, sibling_rate, allowed)
        n_hard = round(hard_duplicates * n_articles)
        if n_hard:
            corpus = _add_hard(corpus, n_hard, noise, novel_rate, allowed)
        return corpus
    finally:
        if gc_was_enabled:
            gc.enable()


def _generate(
    n_articles: int,
    seed: int,
    noise: str,
    novel_rate: float,
    copy_rate: float,
    sibling_rate: float,
    allowed: set[str],
) -> SynthCorpus:
    rng = random.Random(seed)
    maker = StoryMaker(rng, NOISE_LEVELS[noise], allowed, novel_rate)
    # (date, order, text, source, title, raw labels, story id); sorted by date afterwards
    rendered: list[tuple[str, int, str, str, str, list[tuple], str]] = []
    story_no = 0
    base, base_outlet = None, 0
    while len(rendered) < n_articles:
        story = maker.story(sibling_of=base)
        story_id = f"story-{seed}-{story_no:06d}"
        story_no += 1
        n_copies = rng.choice((1, 1, 2, 3)) if rng.random() < copy_rate else 0
        outlets = rng.sample(range(len(maker.outlets)), 1 + n_copies)
        if base is not None:  # a sibling first appears in the outlet that ran its base story
            outlets = [base_outlet] + [o for o in outlets if o != base_outlet][:n_copies]
            base = None
        elif rng.random() < sibling_rate:
            base, base_outlet = story, outlets[0]
        for k, outlet_i in enumerate(outlets):
            if len(rendered) >= n_articles:
                break
            paras, day = (story.paragraphs, story.day) if k == 0 else maker.copy_edit(story)
            outlet = maker.outlets[outlet_i]
            full = chrome_paragraphs(rng, outlet, day, allowed, paras)
            text, raw = render(full, outlet)
            title = article_title(rng, story, outlet)
            rendered.append((day.isoformat(), len(rendered), text, outlet[0], title, raw, story_id))

    rendered.sort(key=lambda r: (r[0], r[1]))
    articles: list[Article] = []
    labels: list[SentenceLabel] = []
    story_of: dict[str, str] = {}
    by_article: dict[str, tuple[int, int]] = {}
    for i, row in enumerate(rendered):
        date, _order, text, source, title, raw, story_id = row
        rendered[i] = None  # type: ignore[call-overload]  # free raw labels as we go
        aid = f"syn-{seed}-{i:06d}"
        articles.append(Article(id=aid, text=text, date=date, source=source, title=title))
        story_of[aid] = story_id
        lo = len(labels)
        labels.extend(SentenceLabel(aid, *r) for r in raw)
        by_article[aid] = (lo, len(labels))
    log.debug("generated %d articles, %d labels", len(articles), len(labels))
    return SynthCorpus(tuple(articles), tuple(labels), story_of, noise, seed, by_article)


def _add_hard(
    corpus: SynthCorpus, n_hard: int, noise: str, novel_rate: float, allowed: set[str]
) -> SynthCorpus:
    """``corpus`` with ``n_hard`` hard duplicate cases appended (``_retell``)."""
    seed = corpus.seed
    rng = random.Random(f"{seed}:hard-duplicates")  # a stream of its own: see generate_corpus
    maker = StoryMaker(rng, NOISE_LEVELS[noise], allowed, novel_rate)
    rows = []
    for art in hard_articles(maker, n_hard):
        outlet = maker.outlets[art.outlet]
        full = chrome_paragraphs(rng, outlet, art.day, allowed, art.paragraphs)
        text, raw = render(full, outlet)
        title = article_title(rng, art.story, outlet)
        rows.append((art.day.isoformat(), len(rows), text, outlet[0], title, raw, art))
    rows.sort(key=lambda r: (r[0], r[1]))
    articles, labels = list(corpus.articles), list(corpus.labels)
    story_of, by_article = dict(corpus.story_of), dict(corpus._by_article)
    role_of, twin_of = dict(corpus.role_of), dict(corpus.twin_of)
    for i, (date, _order, text, source, title, raw, art) in enumerate(rows):
        aid = f"syn-{seed}-h{i:06d}"
        articles.append(Article(id=aid, text=text, date=date, source=source, title=title))
        story_of[aid] = f"story-{seed}-h{art.story_key:06d}"
        role_of[aid] = art.role
        if art.twin_of is not None:
            twin_of[story_of[aid]] = f"story-{seed}-h{art.twin_of:06d}"
        lo = len(labels)
        labels.extend(SentenceLabel(aid, *r) for r in raw)
        by_article[aid] = (lo, len(labels))
    return SynthCorpus(
        tuple(articles), tuple(labels), story_of, corpus.noise, seed, by_article, role_of, twin_of
    )


def write_corpus(corpus: SynthCorpus, directory: Path) -> None:
    """Write ``articles.jsonl`` (id, text, date, source, title, story; role and twin_of in
    the hard set) and ``labels.jsonl``.

    Each file is written to a temporary name, fsynced and renamed, so a reader never sees a
    half-written file.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rows = (corpus._row(a) for a in corpus.articles)
    _write_jsonl(directory / "articles.jsonl", rows)
    _write_jsonl(directory / "labels.jsonl", (lab.to_dict() for lab in corpus.labels))


def _write_jsonl(path: Path, rows: Any) -> None:
    from ..store import atomic_file

    with atomic_file(path) as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False))
            fh.write("\n")
