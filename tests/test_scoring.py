"""Unit tests for the match score and the novelty mapping."""

from __future__ import annotations

import numpy as np
import pytest

from protocol_match.scoring import (
    DEFAULT_THRESHOLD,
    NOVEL_FLOOR,
    SEEN_CEILING,
    combine,
    novelty,
)

GRID = np.linspace(-1.5, 1.5, 31)


def test_constants_are_ordered() -> None:
    assert 0 < NOVEL_FLOOR < DEFAULT_THRESHOLD < SEEN_CEILING < 1


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


def test_novelty_one_at_or_below_floor() -> None:
    for s in (-1.0, 0.0, NOVEL_FLOOR - 0.1, NOVEL_FLOOR):
        assert novelty(s) == pytest.approx(1.0)


def test_novelty_zero_at_or_above_ceiling() -> None:
    for s in (SEEN_CEILING, SEEN_CEILING + 0.05, 1.0, 2.0):
        assert novelty(s) == pytest.approx(0.0)


def test_novelty_monotone_decreasing_and_bounded() -> None:
    scores = np.linspace(-0.5, 1.5, 201)
    values = np.array([novelty(float(s)) for s in scores])
    assert np.all((values >= 0.0) & (values <= 1.0))
    assert np.all(np.diff(values) <= 1e-12)
    inside = (scores > NOVEL_FLOOR) & (scores < SEEN_CEILING)
    assert np.all(np.diff(values[inside]) < 0)  # strictly decreasing between the bounds
    assert novelty((NOVEL_FLOOR + SEEN_CEILING) / 2) == pytest.approx(0.5)
    assert isinstance(novelty(0.5), float)
