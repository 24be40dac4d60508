"""Near-duplicate articles: the same story from several outlets, copied or retold.

Different events written from the same templates look alike as whole documents (document
cosine alone cannot tell two delegations' visits in one week apart). What decides "same
story", in order of strength (measured on the real development corpora, where a third of the
articles carry no date and reposts wrap the text in other chrome):

- a copy: the two share rare word sequences (four-word shingles few articles of the corpus
  carry) for a good part of the smaller article (``_story_text``), dates allowing;
- a retelling on the same day: rare words and rare names in common, or a close document
  vector with some rare names in common;
- never across more than a week of known publication dates.

Names, places and figures are weighted by their rarity in the corpus (the beat's common
vocabulary weighs nothing) and measured against the article with fewer of them, so a
shortened retelling still matches. Pure functions over arrays and texts.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..records import DuplicateGroup, DuplicatePair
from ._story_text import RareOverlap, TextSets, ascii_fold

DEFAULT_DUPLICATE_THRESHOLD = 0.6
# The evidence thresholds below give a score of DEFAULT_DUPLICATE_THRESHOLD when reached.
# Chosen on the real development corpora (benchmarks/real.py; pair F1 readouts 0.58 -> 0.73,
# uk-readouts 0.84 -> 1.00 with the static model) and kept when they held on both:
COPY_SHINGLES = 0.25  # rare-shingle share of the smaller article: a copy
COPY_COSINE = 0.7  # ... when the documents are at least this close
COPY_NAMES = 0.3  # ... and this share of the rare names
SAME_DAY_WORDS, SAME_DAY_NAMES = 0.25, 0.3  # rare words and names shared, same day
SAME_DAY_COSINE, SAME_DAY_FEW_NAMES = 0.85, 0.1  # close vectors, a few rare names, same day
FAR_DAYS = 7  # known publication dates further apart than this: other stories

# Upper-case letters of the Latin, Greek and Cyrillic blocks (``re`` has no \\p{Lu}).
_UPPER = re.escape("".join(c for c in map(chr, range(0x41, 0x530)) if c.isupper()))
# Only capitalized words and numbers are visited: iterating over every word costs 3x more.
_TOKEN = re.compile(rf"(?<![\w’'-])(?:[{_UPPER}][\w’'-]*|\d[\d.,:]*\d|\d)")
_LOWER = re.compile(rf"(?<![\w’'-])[^\W\d_{_UPPER}][\w’'-]*")
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
# An entity in at least this share of the articles (and at least _COMMON_MIN of them) is the
# beat's formula vocabulary ("Defense Ministry", "Azerbaijan", "Alley of Honor"): weight 0.
_COMMON_SHARE = 0.03
_COMMON_MIN = 5
# Added to the smaller side's entity weight, in units of the rarest entity's weight: an
# article with one or two rare names cannot reach full overlap on them alone (one shared
# name of the rarest kind counts 0.5).
_OVERLAP_PRIOR = 1.0


@dataclass(frozen=True)
class DocInfo:
    """What the duplicate scorer needs of an article."""

    article_id: str
    text: str
    date: str | None = None


def lowercase_words(texts: Iterable[str]) -> frozenset[str]:
    """Words written in lowercase somewhere in ``texts``: such a word capitalized at a
    sentence start ("During", "Officials") is not a name."""
    out: set[str] = set()
    for t in texts:
        out.update(_LOWER.findall(t))
    return frozenset(out)


def entities(text: str, lowercase: frozenset[str] | None = None) -> frozenset[str]:
    """The names, places and figures of a story, lowercased.

    Capitalized words that are not in ``lowercase`` (default: the words ``text`` itself
    writes in lowercase), adjacent capitalized pairs ("ziya cemal", "cemal kadıoğlu": a full
    name is rarer than its parts) and numbers without thousands separators ("22,854" and
    "22854" are one figure). Clock times are skipped: each outlet stamps its own.
    """
    lower = lowercase_words([text]) if lowercase is None else lowercase
    out: set[str] = set()
    prev, prev_end = "", -2
    for m in _TOKEN.finditer(text):
        w = m.group()
        if w[0].isdigit():
            prev = ""
            if not _CLOCK.fullmatch(w):
                out.add(w.replace(",", ""))
            continue
        k = w.lower()
        if k in lower:
            prev = ""
            continue
        out.add(k)
        if prev and m.start() - prev_end == 1:
            out.add(f"{prev} {k}")
        prev, prev_end = k, m.end()
    return frozenset(out)


def entity_weights(ents: Sequence[frozenset[str]]) -> dict[str, float]:
    """Rarity weight of every entity: ``log(1 + N / df)``, 0 for the beat's common ones."""
    df = Counter(e for s in ents for e in s)
    n = len(ents)
    cutoff = max(_COMMON_MIN, _COMMON_SHARE * n)
    return {e: (0.0 if c >= cutoff else math.log(1.0 + n / c)) for e, c in df.items()}


def overlap_prior(n_docs: int) -> float:
    """The prior of ``entity_overlap`` for a corpus of ``n_docs`` articles."""
    return _OVERLAP_PRIOR * math.log(1.0 + max(1, n_docs))


def distinctive_entities(ents: Sequence[frozenset[str]]) -> list[frozenset[str]]:
    """Each article's entities without the ones most articles of the corpus carry.

    Different events written from the same templates share the formulas' proper nouns, so
    only the rarer names, places and figures say whether two articles tell the same story.
    """
    w = entity_weights(ents)
    return [frozenset(e for e in s if w[e] > 0) for s in ents]


def entity_overlap(
    a: frozenset[str],
    b: frozenset[str],
    weights: dict[str, float],
    prior: float,
    totals: tuple[float, float] | None = None,
) -> float:
    """Weight of the shared entities over the smaller side's weight plus ``prior``, in [0, 1].

    Relative to the smaller side, so a retelling that covers half the story still matches;
    the prior keeps an article with one or two rare names from matching on them alone.
    ``totals``: the two sides' weights, when the caller has them already.
    """
    shared = sum(weights.get(e, 0.0) for e in a & b)
    if not shared:
        return 0.0
    if totals is None:
        totals = (sum(weights.get(e, 0.0) for e in a), sum(weights.get(e, 0.0) for e in b))
    return shared / (min(totals) + prior)


def _day(date: str | None) -> int | None:
    """Day number of an ISO date (time part ignored); None when missing or unreadable."""
    if not date:
        return None
    try:
        return dt.date.fromisoformat(date[:10]).toordinal()
    except ValueError:
        return None


def same_story_score(
    cosine: float, names: float, shingles: float, words: float, gap_days: int | None
) -> float:
    """Same-story score in [0, 1] (``DEFAULT_DUPLICATE_THRESHOLD`` where the evidence just
    suffices) from the document cosine, the rare names overlap (``_Facts.overlap``), the
    rare shingle and rare word shares (``RareOverlap``) and the publication days apart
    (None when a date is unknown)."""
    # A copy tells the same facts: its rare names are shared too (a twin event written from
    # the same formulas shares their wording, not the guests' names).
    evidence = min(shingles / COPY_SHINGLES, names / COPY_NAMES) if cosine >= COPY_COSINE else 0.0
    if gap_days is not None and gap_days <= 1:
        evidence = max(
            evidence,
            min(words / SAME_DAY_WORDS, names / SAME_DAY_NAMES),
            min((cosine - COPY_COSINE) / (SAME_DAY_COSINE - COPY_COSINE),
                names / SAME_DAY_FEW_NAMES),
        )  # fmt: skip
    score = min(1.0, DEFAULT_DUPLICATE_THRESHOLD * max(0.0, evidence))
    if gap_days is not None and gap_days > FAR_DAYS:
        score = min(score, DEFAULT_DUPLICATE_THRESHOLD / 2)
    return float(score)


def find_duplicates(
    docs: Sequence[DocInfo],
    neighbors: np.ndarray,
    neighbor_sims: np.ndarray,
    *,
    threshold: float = DEFAULT_DUPLICATE_THRESHOLD,
) -> list[DuplicateGroup]:
    """Group articles whose pair score reaches ``threshold`` (connected components).

    ``neighbors[i]`` are positions of the nearest documents of ``docs[i]`` by document
    vector (``-1`` padding), ``neighbor_sims`` their cosines. Only these pairs are scored.
    """
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    lower = lowercase_words(d.text for d in docs)
    ents = [frozenset(ascii_fold(e) for e in entities(d.text, lower)) for d in docs]
    weights = entity_weights(ents)
    prior = overlap_prior(len(docs))
    facts = [_Facts.of(s, weights) for s in ents]
    rare = RareOverlap([TextSets.of(d.text) for d in docs])
    days = [_day(d.date) for d in docs]
    pairs: dict[tuple[int, int], float] = {}
    seen: set[tuple[int, int]] = set()
    for i in range(len(docs)):
        for j, sim in zip(neighbors[i], neighbor_sims[i], strict=True):
            j = int(j)
            key = (min(i, j), max(i, j))
            if j < 0 or j == i or key in seen:
                continue
            seen.add(key)
            gap = abs(days[i] - days[j]) if days[i] is not None and days[j] is not None else None
            score = same_story_score(
                float(sim),
                facts[i].overlap(facts[j], weights, prior),
                rare.shingles(i, j),
                rare.words(i, j),
                gap,
            )
            if score >= threshold:
                pairs[key] = score
    return duplicate_groups(pairs, [d.article_id for d in docs])


@dataclass(frozen=True)
class _Facts:
    """An article's names and figures, with their total weights."""

    names: frozenset[str]
    figures: frozenset[str]
    name_weight: float
    figure_weight: float

    @classmethod
    def of(cls, ents: frozenset[str], weights: dict[str, float]) -> _Facts:
        figs = frozenset(e for e in ents if e[0].isdigit())
        names = ents - figs
        return cls(
            names,
            figs,
            sum(weights[e] for e in names),
            sum(weights[e] for e in figs),
        )

    def overlap(self, other: _Facts, weights: dict[str, float], prior: float) -> float:
        """Name overlap, averaged with figure overlap when both articles carry rare figures:
        another event of the same delegation or host shares names, rarely its figures."""
        names = entity_overlap(
            self.names, other.names, weights, prior, (self.name_weight, other.name_weight)
        )
        if not (self.figure_weight > 0 and other.figure_weight > 0):
            return names
        figures = entity_overlap(
            self.figures, other.figures, weights, prior, (self.figure_weight, other.figure_weight)
        )
        return (names + figures) / 2


def duplicate_groups(
    pairs: Mapping[tuple[int, int], float], article_ids: Sequence[str] | Mapping[int, str]
) -> list[DuplicateGroup]:
    """Groups (connected components) of the scored pairs, as ``find_duplicates`` returns
    them; pairs are (position, position) in the corpus's article order."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    members: dict[int, set[int]] = {}
    by_root: dict[int, list[DuplicatePair]] = {}
    for (a, b), s in sorted(pairs.items()):
        root = find(a)
        members.setdefault(root, set()).update((a, b))
        by_root.setdefault(root, []).append(
            DuplicatePair(article_ids[a], article_ids[b], round(s, 4))
        )
    groups = [
        DuplicateGroup(tuple(article_ids[i] for i in sorted(idx)), tuple(by_root[root]))
        for root, idx in members.items()
    ]
    groups.sort(key=lambda g: (-len(g.articles), g.articles))
    return groups


def story_ids(article_ids: Sequence[str], groups: Sequence[DuplicateGroup]) -> dict[str, str]:
    """Article id -> story id (the first article of its duplicate group, else itself)."""
    story = {a: a for a in article_ids}
    for g in groups:
        for a in g.articles:
            story[a] = g.articles[0]
    return story
