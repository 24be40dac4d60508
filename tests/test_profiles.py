"""ProfileMatrix (bulk weighted dice) against the one-pair reference in lexical.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol_match.scoring import ProfileMatrix, content_profile, dice

TEXTS = [
    "Colonel General Zakir Hasanov welcomed the guests and expressed his satisfaction.",
    "Colonel General Karim Valiyev welcomed the guests and expressed satisfaction.",
    "The sides exchanged views on military, military-technical cooperation.",
    "",
    "of the and",  # stopwords only: an empty profile
    "Heavy rain is expected in the northern districts tomorrow afternoon.",
    "Colonel General Zakir Hasanov welcomed the guests and expressed his satisfaction.",
]


def reference(a: str, b: str) -> float:
    return dice(content_profile(a), content_profile(b))


def test_pairs_equal_reference_dice() -> None:
    pm = ProfileMatrix(TEXTS)
    src, dst = np.meshgrid(np.arange(len(TEXTS)), np.arange(len(TEXTS)))
    got = pm.pairs(src.ravel(), dst.ravel())
    want = [reference(TEXTS[i], TEXTS[j]) for i, j in zip(src.ravel(), dst.ravel(), strict=True)]
    np.testing.assert_allclose(got, want, atol=1e-12)
    assert got[0 * len(TEXTS) + 6] == pytest.approx(1.0)  # identical texts


def test_dense_equals_pairs_with_unit_diagonal() -> None:
    pm = ProfileMatrix(TEXTS)
    members = np.array([0, 1, 2, 5, 6])
    dense = pm.dense(members)
    for a, i in enumerate(members):
        for b, j in enumerate(members):
            want = 1.0 if a == b else reference(TEXTS[i], TEXTS[j])
            assert dense[a, b] == pytest.approx(want, abs=1e-12)


def test_pairs_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    import protocol_match.scoring._profiles as pr

    monkeypatch.setattr(pr, "_CHUNK", 3)
    pm = ProfileMatrix(TEXTS)
    src = np.array([0, 1, 2, 3, 4, 5, 6, 0])
    dst = np.array([1, 0, 5, 4, 3, 2, 0, 6])
    want = [reference(TEXTS[i], TEXTS[j]) for i, j in zip(src, dst, strict=True)]
    np.testing.assert_allclose(pm.pairs(src, dst), want, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet="abc defg Hij.,0123", max_size=40), min_size=2, max_size=6))
def test_random_texts_match_reference(texts: list[str]) -> None:
    pm = ProfileMatrix(texts)
    src = np.arange(len(texts))
    dst = src[::-1].copy()
    want = [reference(texts[i], texts[j]) for i, j in zip(src, dst, strict=True)]
    np.testing.assert_allclose(pm.pairs(src, dst), want, atol=1e-9)
