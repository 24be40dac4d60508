"""What the verdict model needs from a corpus: the feature rows of an article's passages.

For each passage: its nearest stored passages (the candidates ``compare`` judges), each with
its story, match score, cosine and TF-IDF cosine (gram frequencies saved by the last mining),
turned into the label-free features of ``judge.passage_features``; the article's own story
(and the stored articles that are copies of it) never counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..judge import (
    FEATURES,
    Candidate,
    Neighbour,
    Position,
    VerdictModel,
    passage_features,
)
from ..records import Passage
from ..scoring import GramStats, tfidf_cosine
from ..store import Store

# Document cosine from which a stored article counts as a copy of a new article (its own
# story) when the new article is not in the store and no duplicate grouping covers it.
COPY_COSINE = 0.95
# TF-IDF vectors kept per level between compares (about 1 KB each).
TFIDF_CACHE = 200_000


class Verdicts:
    """The verdict model and the feature rows it reads (a mixin of
    :class:`~protocol_match.Corpus`)."""

    store: Store
    _verdict_model_arg: str | Path | None
    _verdict_model: VerdictModel | None
    _grams_cache: tuple[str, dict[str, GramStats]] | None
    _tfidf_vectors: tuple[str, dict[str, dict[str, dict[int, float]]]] | None

    @property
    def verdict_model(self) -> VerdictModel:
        """The model that turns passage features into template verdicts, for the store's
        backend (the one shipped with protocol_match unless ``verdict_model`` was given to
        :meth:`Corpus.open`)."""
        if self._verdict_model is None:
            self._verdict_model = VerdictModel.load(
                self._verdict_model_arg, self.store.meta.backend
            )
        return self._verdict_model

    def gram_stats(self, level: str) -> GramStats:
        """Gram document frequencies of ``level`` saved by the last mining (empty before)."""
        stamp = self.store.get_meta("templates_at_count") or ""
        if self._grams_cache is None or self._grams_cache[0] != stamp:
            self._grams_cache = (stamp, {})
        cache = self._grams_cache[1]
        if level not in cache:
            saved = self.store.gram_stats(level)
            cache[level] = GramStats(saved[1], saved[2], saved[0]) if saved else GramStats.empty()
        return cache[level]

    def _tfidf_cache(self, level: str) -> dict[str, dict[int, float]]:
        """TF-IDF vectors of stored passage texts, kept while the gram statistics last
        (formulas come back in every compare)."""
        stamp = self.store.get_meta("templates_at_count") or ""
        if self._tfidf_vectors is None or self._tfidf_vectors[0] != stamp:
            self._tfidf_vectors = (stamp, {})
        return self._tfidf_vectors[1].setdefault(level, {})

    def feature_rows(
        self,
        level: str,
        passages: Sequence[Passage],
        scored: Sequence[Sequence[tuple[float, Candidate]]],
        stories: Mapping[str, str],
        own: frozenset[str],
        paragraphs: int,
    ) -> np.ndarray:
        """One feature row per passage (``judge.FEATURES`` order), from each passage's
        candidates with their match scores (``judge.score_candidates``)."""
        grams = self.gram_stats(level)
        cache = self._tfidf_cache(level)
        texts = {p.text for p in passages} | {c.text for cands in scored for _, c in cands}
        missing = [t for t in texts if t not in cache]
        for text, vec in zip(missing, grams.vectors(missing), strict=True):
            cache[text] = vec
        if len(cache) > TFIDF_CACHE:  # bounded: drop the oldest half
            for key in list(cache)[: len(cache) // 2]:
                del cache[key]

        def vec(text: str) -> dict[int, float]:
            return cache[text] if text in cache else grams.vector(text)

        rows = []
        for p, cands in zip(passages, scored, strict=True):
            q = vec(p.text)
            neighbours = [
                Neighbour(
                    stories.get(c.article_id, c.article_id),
                    score,
                    c.cosine,
                    tfidf_cosine(q, vec(c.text)),
                )
                for score, c in cands
            ]
            rows.append(
                passage_features(p.text, Position(p.paragraph, paragraphs), neighbours, own)
            )
        if not rows:
            return np.zeros((0, len(FEATURES)))
        return np.stack(rows)

    def own_stories(
        self, article_id: str, stored: bool, stories: Mapping[str, str], copies: Sequence[Any]
    ) -> frozenset[str]:
        """The stories that are not evidence of a formula for this article: its own (with
        its near-duplicate group) and, for an article not in the store, those of stored
        articles that are near-identical to it (``copies``: nearest articles with their
        document cosine)."""
        own = {article_id, stories.get(article_id, article_id)}
        if not stored:
            for match in copies:
                if match.similarity >= COPY_COSINE:
                    own.add(stories.get(match.article_id, match.article_id))
        return frozenset(own)
