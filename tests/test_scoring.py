"""Unit tests for the match score and the gram statistics behind the TF-IDF features."""

from __future__ import annotations

import numpy as np
import pytest

from protocol_match.scoring import (
    DEFAULT_THRESHOLD,
    GramStats,
    combine,
    gram_hashes,
    tfidf_cosine,
)

GRID = np.linspace(-1.5, 1.5, 31)


def test_threshold_is_a_score() -> None:
    assert 0 < DEFAULT_THRESHOLD < 1


def test_combine_in_unit_interval_for_any_input() -> None:
    sem, lex = np.meshgrid(GRID, GRID)
    out = combine(sem, lex)
    assert out.shape == sem.shape
    assert out.min() >= 0.0
    assert out.max() <= 1.0
    assert combine(1.0, 1.0) == pytest.approx(1.0)
    assert combine(0.0, 0.0) == pytest.approx(0.0)
    assert combine(-0.4, 0.0) == pytest.approx(0.0)  # negative cosine counts as 0


def test_combine_is_the_mean_inside_range() -> None:
    assert combine(0.8, 0.4) == pytest.approx(0.6)
    arr = combine(np.array([0.2, 0.9]), np.array([0.6, 0.5]))
    np.testing.assert_allclose(arr, [0.4, 0.7])


def test_combine_monotone_in_each_argument() -> None:
    sem, lex = np.meshgrid(GRID, GRID, indexing="ij")
    out = combine(sem, lex)
    assert np.all(np.diff(out, axis=0) >= 0)  # non-decreasing in the semantic half
    assert np.all(np.diff(out, axis=1) >= 0)  # non-decreasing in the lexical half
    assert combine(0.7, 0.5) > combine(0.6, 0.5)
    assert combine(0.6, 0.6) > combine(0.6, 0.5)


PASSAGES = [
    "The minister welcomed the guests and expressed his satisfaction.",
    "The minister welcomed the delegation from Georgia.",
    "The minister welcomed the guests warmly.",
    "A drone factory opened near Ganja on Tuesday.",
]


def test_gram_stats_count_each_gram_once_per_passage() -> None:
    stats = GramStats.count(PASSAGES + ["the the the the"])
    assert stats.passages == 5
    assert list(stats.keys) == sorted(stats.keys) and len(stats.keys) == len(stats.counts)
    the = gram_hashes("the")[0]
    assert int(stats.counts[list(stats.keys).index(the)]) == 4  # in four passages, once each
    minister, drone = gram_hashes("minister")[0], gram_hashes("drone")[0]
    assert stats.idf([minister])[0] < stats.idf([drone])[0] < stats.idf([12345])[0]


def test_gram_hashes_are_stable_stems_and_bigrams() -> None:
    h = gram_hashes("Ministers welcomed")
    assert len(h) == 3  # two stems and one bigram
    assert h == gram_hashes("minister welcome")  # stemmed and lower-cased
    assert all(0 <= x < 2**22 for x in h)


def test_tfidf_cosine_prefers_shared_rare_wording() -> None:
    stats = GramStats.count(PASSAGES)
    q = stats.vector("The minister welcomed the guests.")
    near, far = stats.vector(PASSAGES[2]), stats.vector(PASSAGES[3])
    assert tfidf_cosine(q, q) == pytest.approx(1.0)
    assert 0.0 == tfidf_cosine(q, far) < tfidf_cosine(q, near) < 1.0
    assert tfidf_cosine(q, near) == pytest.approx(tfidf_cosine(near, q))
    assert stats.vector("") == {} and tfidf_cosine({}, q) == 0.0
    empty = GramStats.empty()
    assert empty.passages == 0 and tfidf_cosine(empty.vector("a b"), empty.vector("a b")) > 0.99
