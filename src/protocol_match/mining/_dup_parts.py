"""Near-duplicate scoring in pieces, for finding duplicate groups on a cluster.

``find_duplicates`` needs corpus-wide counts (which words the corpus writes in lowercase,
how many articles carry each name, shingle and word) before it can score a pair. Here an
article is turned into its keys (:func:`doc_keys`, given the lowercase words among its own
capitalized ones), the keys are counted wherever the counts live, and each article's
:class:`DocProfile` (its rare keys with their weights) scores pairs exactly as
``find_duplicates`` does (:func:`pair_score`); ``duplicate_groups`` (the single machine's)
turns the pairs into the same groups. Shingles, words and names are kept as 64-bit hashes
(BLAKE2b): the counts of a large corpus stay arrays instead of string tables.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from . import _duplicates as dup
from . import _story_text as st

KINDS = ("e", "s", "w")  # entities (names, places, figures), shingles, stemmed words


def key_hashes(kind: str, keys: Iterable[str]) -> np.ndarray:
    """Sorted, distinct 64-bit hashes of ``keys`` of one kind."""
    out = {
        int.from_bytes(hashlib.blake2b(f"{kind}\x1f{k}".encode(), digest_size=8).digest(), "little")
        for k in keys
    }
    return np.sort(np.fromiter(out, dtype=np.uint64, count=len(out)))


def capitalized_words(text: str) -> set[str]:
    """The lowercased capitalized words of ``text``: the ones ``entities`` asks the corpus's
    lowercase vocabulary about."""
    return {w.lower() for w in dup._TOKEN.findall(text) if not w[0].isdigit()}


@dataclass(frozen=True)
class DocKeys:
    """An article's names and figures (as ``find_duplicates`` folds them), shingles and words."""

    names: tuple[np.ndarray, np.ndarray]  # (hashes, is a figure), aligned
    shingles: np.ndarray
    words: np.ndarray

    def all(self) -> dict[str, np.ndarray]:
        return {"e": self.names[0], "s": self.shingles, "w": self.words}


def doc_keys(text: str, lowercase: frozenset[str] | set[str]) -> DocKeys:
    """The keys of one article; ``lowercase`` holds (at least) those of its capitalized
    words that the corpus writes in lowercase somewhere."""
    ents = sorted({st.ascii_fold(e) for e in dup.entities(text, lowercase)})  # type: ignore[arg-type]
    hashed = {e: key_hashes("e", [e])[0] for e in ents}
    order = sorted(ents, key=hashed.__getitem__)
    names = (
        np.asarray([hashed[e] for e in order], dtype=np.uint64),
        np.asarray([e[0].isdigit() for e in order], dtype=bool),
    )
    sets = st.TextSets.of(text)
    return DocKeys(names, key_hashes("s", sets.shingles), key_hashes("w", sets.words))


Weighted = tuple[np.ndarray, np.ndarray]  # sorted hashes, their weights


@dataclass(frozen=True)
class DocProfile:
    """What scoring a pair needs of one article: its rare keys and their weights."""

    article_id: str
    day: int | None
    names: Weighted
    figures: Weighted
    name_weight: float
    figure_weight: float
    shingles: Weighted
    words: Weighted
    shingle_total: float
    word_total: float


def doc_profile(
    article_id: str, date: str | None, keys: DocKeys, counts: Mapping[str, np.ndarray], n: int
) -> DocProfile:
    """The profile of an article of a corpus of ``n`` articles; ``counts[kind]`` holds how
    many articles carry each of ``keys.all()[kind]`` (aligned)."""
    c = counts["e"].astype(np.float64)
    cutoff = max(dup._COMMON_MIN, dup._COMMON_SHARE * n)
    w = np.where(c >= cutoff, 0.0, np.log(1.0 + n / np.maximum(c, 1.0)))
    hashes, figure = keys.names
    nr = max(1, n)
    cut = max(st._COMMON_MIN, st._COMMON_SHARE * nr)

    def rare(h: np.ndarray, cnt: np.ndarray) -> Weighted:
        keep = cnt < cut
        return h[keep], np.log(nr / cnt[keep].astype(np.float64))

    shingles = rare(keys.shingles, counts["s"])
    words = rare(keys.words, counts["w"])
    return DocProfile(
        article_id, dup._day(date),
        (hashes[~figure & (w > 0)], w[~figure & (w > 0)]),
        (hashes[figure & (w > 0)], w[figure & (w > 0)]),
        float(w[~figure].sum()), float(w[figure].sum()),
        shingles, words, float(shingles[1].sum()), float(words[1].sum()),
    )  # fmt: skip


def _shared(a: Weighted, b: Weighted) -> float:
    _, ia, _ = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
    return float(a[1][ia].sum())


def _overlap(a: Weighted, b: Weighted, ta: float, tb: float, prior: float) -> float:
    shared = _shared(a, b)
    return shared / (min(ta, tb) + prior) if shared else 0.0


def pair_score(a: DocProfile, b: DocProfile, cosine: float, n: int) -> float:
    """``find_duplicates``' same-story score of two articles of a corpus of ``n``."""
    prior = dup.overlap_prior(n)
    facts = _overlap(a.names, b.names, a.name_weight, b.name_weight, prior)
    if a.figure_weight > 0 and b.figure_weight > 0:
        figures = _overlap(a.figures, b.figures, a.figure_weight, b.figure_weight, prior)
        facts = (facts + figures) / 2
    rprior = st._PRIOR * math.log(1 + max(1, n))
    shingles = _shared(a.shingles, b.shingles) / (min(a.shingle_total, b.shingle_total) + rprior)
    words = _shared(a.words, b.words) / (min(a.word_total, b.word_total) + rprior)
    gap = abs(a.day - b.day) if a.day is not None and b.day is not None else None
    return dup.same_story_score(cosine, facts, shingles, words, gap)
