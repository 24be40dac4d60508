"""Unit tests for lexical evidence: stemming, word weights, overlaps, alignment, slot forms."""

from __future__ import annotations

import pytest

from protocol_match.records import Span
from protocol_match.scoring import (
    containment,
    content_profile,
    dice,
    new_dates,
    new_figures,
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


def test_new_dates_counts_body_dates_not_the_opening() -> None:
    event = "T. Varga invited R. Rzayev to attend the exhibition held in Budapest on 22 October."
    assert new_dates([Span(0, len(event), event)], event) == 1
    # A dateline or an opening date is how formulas date themselves.
    lead = "BAKU, Azerbaijan, July 23. The minister received a delegation led by the chief."
    assert new_dates([Span(0, len(lead), lead)], lead) == 0
    # Clock times count anywhere; words outside the spans never do.
    shots = "At 21:24 on 15 March, the positions near Fuzuli came under fire."
    assert new_dates([Span(3, 8, "21:24")], shots) > 0
    assert new_dates([Span(10, 20, "positions")], shots) == 0
    year = (
        "Within the framework of cooperation, a plant will open a service center in Ganja in 2026."
    )
    assert new_dates([Span(100, 100 + len(year), year)], year, offset=100) == 1


def test_new_figures_counts_and_ordinals_but_not_anniversaries_or_dates() -> None:
    text = "He presented awards to 19 servicemen of the 37th brigade on 13 April 2024."
    assert new_figures([Span(0, len(text), text)], text) == 2
    party = "A reception marked the 23rd anniversary of the Serbian Armed Forces."
    assert new_figures([Span(0, len(party), party)], party) == 0


def test_query_profile_names_weigh_like_numbers() -> None:
    full = content_profile("Colonel General Zakir Hasanov welcomed the guests")
    query = query_profile("Colonel General Zakir Hasanov welcomed the guests")
    assert set(query) == set(full)
    assert query[stem("Hasanov")] == 1.0 < full[stem("Hasanov")]
    # The first word is not taken for a name; lower-case words keep their weight.
    assert query[stem("Colonel")] == full[stem("Colonel")]
    assert query[stem("welcomed")] == full[stem("welcomed")]
