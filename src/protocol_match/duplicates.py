"""Near-duplicate articles: the same story from several outlets, lightly edited.

Different events written from the same template look alike as whole documents, so the
score also weighs what identifies an event (names, places, numbers shared by both
articles) and how close the publication dates are. Pure functions over arrays and texts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .records import DuplicateGroup, DuplicatePair

DEFAULT_DUPLICATE_THRESHOLD = 0.8
_ENTITY = re.compile(r"\b(?:[A-ZÀ-ÖØ-Þ][\w’'-]+|\d[\d.,:]*)")


@dataclass(frozen=True)
class DocInfo:
    """What the duplicate scorer needs of an article."""

    article_id: str
    text: str
    date: str | None = None


def entities(text: str) -> frozenset[str]:
    """Capitalized words and numbers: the names, places and figures of a story."""
    return frozenset(m.group().lower().strip(".,:") for m in _ENTITY.finditer(text))


def date_proximity(a: str | None, b: str | None) -> float:
    """1 within a day, fading to 0 at a week; 0.5 when a date is unknown."""
    if not a or not b:
        return 0.5
    try:
        days = abs((dt.date.fromisoformat(a[:10]) - dt.date.fromisoformat(b[:10])).days)
    except ValueError:
        return 0.5
    return float(np.clip(1.0 - (days - 1) / 6.0, 0.0, 1.0))


def pair_score(cosine: float, ents_a: frozenset[str], ents_b: frozenset[str], prox: float) -> float:
    """Same-story score in [0, 1] from document cosine, entity overlap and date proximity."""
    union = len(ents_a | ents_b)
    jacc = len(ents_a & ents_b) / union if union else 0.0
    return float(0.5 * max(0.0, min(1.0, cosine)) + 0.3 * jacc + 0.2 * prox)


# Entities in at least this share of the articles (and at least _COMMON_MIN of them) are the
# beat's formula vocabulary ("Defense Ministry", "Azerbaijan", "Alley of Honor").
_COMMON_SHARE = 0.03
_COMMON_MIN = 5


def distinctive_entities(ents: Sequence[frozenset[str]]) -> list[frozenset[str]]:
    """Each article's entities without the ones most articles of the corpus carry.

    Different events written from the same templates share the formulas' proper nouns, so
    only the rarer names, places and figures say whether two articles tell the same story.
    """
    from collections import Counter

    df = Counter(e for s in ents for e in s)
    cutoff = max(_COMMON_MIN, _COMMON_SHARE * len(ents))
    common = {e for e, n in df.items() if n >= cutoff}
    return [s - common for s in ents]


def find_duplicates(
    docs: Sequence[DocInfo],
    neighbors: np.ndarray,
    neighbor_sims: np.ndarray,
    *,
    threshold: float = DEFAULT_DUPLICATE_THRESHOLD,
) -> list[DuplicateGroup]:
    """Group articles whose pair score reaches ``threshold`` (connected components).

    ``neighbors[i]`` are positions of the nearest documents of ``docs[i]`` by document
    vector (``-1`` padding), ``neighbor_sims`` their cosines.
    """
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    ents = distinctive_entities([entities(d.text) for d in docs])
    pairs: dict[tuple[int, int], float] = {}
    for i, doc in enumerate(docs):
        for j, sim in zip(neighbors[i], neighbor_sims[i], strict=True):
            j = int(j)
            if j < 0 or j == i or (min(i, j), max(i, j)) in pairs:
                continue
            score = pair_score(float(sim), ents[i], ents[j], date_proximity(doc.date, docs[j].date))
            if score >= threshold:
                pairs[(min(i, j), max(i, j))] = score
    return _groups(docs, pairs)


def _groups(docs: Sequence[DocInfo], pairs: dict[tuple[int, int], float]) -> list[DuplicateGroup]:
    parent = list(range(len(docs)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    members: dict[int, list[int]] = {}
    for a, b in pairs:
        root = find(a)
        members.setdefault(root, [])
        for x in (a, b):
            if x not in members[root]:
                members[root].append(x)
    groups = []
    for root, idx in members.items():
        idx.sort()
        group_pairs = tuple(
            DuplicatePair(docs[a].article_id, docs[b].article_id, round(s, 4))
            for (a, b), s in sorted(pairs.items())
            if find(a) == root
        )
        groups.append(DuplicateGroup(tuple(docs[i].article_id for i in idx), group_pairs))
    groups.sort(key=lambda g: (-len(g.articles), g.articles))
    return groups


def story_ids(article_ids: Sequence[str], groups: Sequence[DuplicateGroup]) -> dict[str, str]:
    """Article id -> story id (the first article of its duplicate group, else itself)."""
    story = {a: a for a in article_ids}
    for g in groups:
        for a in g.articles:
            story[a] = g.articles[0]
    return story
