"""Unit tests for lexical evidence: stemming, word weights, overlaps, alignment, slot forms."""

from __future__ import annotations

import pytest

from protocol_match.scoring import (
    containment,
    content_profile,
    dice,
    query_profile,
    stem,
    tokens,
    word_weight,
)

WELCOME = [
    "Colonel General Zakir Hasanov welcomed the guests and expressed his satisfaction "
    "with seeing them in Azerbaijan.",
    "Colonel General Karim Valiyev welcomed the guests and expressed his satisfaction "
    "with seeing them in Azerbaijan.",
    "Colonel General Bakhtiyar Ersay welcomed the guests and expressed his satisfaction "
    "with seeing them in Azerbaijan.",
]


@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("honour", "honor"),
        ("honoured", "honored"),
        ("emphasised", "emphasized"),
        ("emphasise", "emphasize"),
        ("defence", "defense"),
        ("Defence", "defense"),
        ("centre", "center"),
    ],
)
def test_stem_folds_british_and_american_spelling(british: str, american: str) -> None:
    assert stem(british) == stem(american)


@pytest.mark.parametrize(
    ("a", "b"),
    [("visits", "visit"), ("visited", "visiting"), ("guests", "guest"), ("Meeting", "meetings")],
)
def test_stem_folds_inflection_and_case(a: str, b: str) -> None:
    assert stem(a) == stem(b)


def test_stem_keeps_different_words_apart() -> None:
    assert stem("defense") != stem("offense")
    assert stem("minister") != stem("ministry")
    assert stem("general") != stem("generous")


def test_word_weight_zero_for_stopwords_and_single_letters() -> None:
    for w in ("the", "The", "of", "and", "with", "a", "x"):
        assert word_weight(w) == 0.0


def test_word_weight_rarer_words_weigh_more() -> None:
    common = word_weight("meeting")
    rare = word_weight("ophthalmologist")
    assert 0 < common < rare <= 6.0
    # Unknown words (names) get the rare-word ceiling; numbers a fixed weight.
    assert word_weight("Kadıoğluxyz") == 6.0
    assert word_weight("15") == 1.0


def test_tokens_offsets_point_into_text() -> None:
    text = "Turkish Martyrs’ Cemetery, Azerbaijani-Armenian border; 15 years."
    for start, end, word in tokens(text):
        assert text[start:end] == word
    words = [w for _, _, w in tokens(text)]
    assert "Azerbaijani-Armenian" in words
    assert "15" in words
    assert "," not in words


def test_content_profile_drops_stopwords_and_merges_variants() -> None:
    prof = content_profile("The honour and the honors of the defence")
    assert stem("the") not in prof
    assert set(prof) == {stem("honor"), stem("defense")}
    assert all(w > 0 for w in prof.values())


def test_containment_asymmetric_and_bounded() -> None:
    short = content_profile("The minister welcomed the guests")
    long = content_profile(
        "The minister welcomed the guests and discussed military cooperation in the region"
    )
    assert containment(short, long) == pytest.approx(1.0)
    assert 0.0 < containment(long, short) < 1.0
    assert containment(short, content_profile("Weather forecast for tomorrow")) == 0.0
    assert containment({}, long) == 0.0
    for a in (short, long):
        for b in (short, long):
            assert 0.0 <= containment(a, b) <= 1.0


def test_dice_symmetric_and_bounded() -> None:
    a = content_profile("The minister welcomed the guests warmly")
    b = content_profile("The minister welcomed the delegation and discussed cooperation")
    assert dice(a, b) == pytest.approx(dice(b, a))
    assert 0.0 < dice(a, b) < 1.0
    assert dice(a, a) == pytest.approx(1.0)
    assert dice({}, {}) == 0.0
    assert dice(a, content_profile("Weather forecast for tomorrow")) == 0.0


def test_query_profile_names_weigh_like_numbers() -> None:
    full = content_profile("Colonel General Zakir Hasanov welcomed the guests")
    query = query_profile("Colonel General Zakir Hasanov welcomed the guests")
    assert set(query) == set(full)
    assert query[stem("Hasanov")] == 1.0 < full[stem("Hasanov")]
    # The first word is not taken for a name; lower-case words keep their weight.
    assert query[stem("Colonel")] == full[stem("Colonel")]
    assert query[stem("welcomed")] == full[stem("welcomed")]
