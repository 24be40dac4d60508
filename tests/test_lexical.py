"""Unit tests for lexical evidence: stemming, word weights, overlaps, alignment, slot forms."""

from __future__ import annotations

import pytest

from protocol_match.lexical import (
    containment,
    content_profile,
    dice,
    new_dates,
    new_figures,
    novel_spans,
    query_profile,
    slot_form,
    stem,
    tokens,
    word_weight,
)
from protocol_match.records import Span

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


def test_novel_spans_marks_whole_name_with_offsets() -> None:
    # A rank and a name are one slot fill: one differing word makes the whole run novel.
    full = "Colonel General Zakir Hasanov welcomed the guests"
    short = "Colonel General Z. Hasanov welcomed the guests"
    spans = novel_spans(full, short)
    assert spans == (Span(0, 29, "Colonel General Zakir Hasanov"),)

    shifted = novel_spans(full, short, offset=100)
    assert shifted == (Span(100, 129, "Colonel General Zakir Hasanov"),)

    back = novel_spans(short, full, offset=7)
    assert [s.text for s in back] == ["Colonel General Z. Hasanov"]
    assert back[0].start == 7


def test_novel_spans_marks_names_and_numbers() -> None:
    text = "Colonel General Zakir Hasanov welcomed 15 guests"
    ref = "Colonel General Karim Valiyev welcomed 20 guests"
    spans = novel_spans(text, ref, offset=10)
    assert [s.text for s in spans] == ["Colonel General Zakir Hasanov", "15"]
    for s in spans:
        assert text[s.start - 10 : s.end - 10] == s.text


def test_novel_spans_title_takes_its_function_words_and_determiner() -> None:
    text = "He met the Head of the Defense Industry Agency of Poland on a visit."
    refs = [
        "He met the Chief of the General Staff of Georgia on a visit.",
        "He met the Commander of the Air Force of Hungary on a visit.",
    ]
    assert [s.text for s in novel_spans(text, refs)] == [
        "the Head of the Defense Industry Agency of Poland"
    ]


def test_novel_spans_lowercase_wording_of_any_reference_is_formula() -> None:
    # "met with" is another wording of the formula (one reference has it); the name is not.
    text = "The minister met with the Polish delegation in Baku."
    refs = [
        "The minister received the Georgian delegation in Baku.",
        "The minister met with the Italian delegation in Baku.",
    ]
    assert [s.text for s in novel_spans(text, refs)] == ["Polish"]


def test_novel_spans_country_most_references_share_is_formula() -> None:
    text = "They discussed ties between Poland and Azerbaijan."
    refs = [f"They discussed ties between {c} and Azerbaijan." for c in ("Italy", "Georgia")]
    assert [s.text for s in novel_spans(text, refs)] == ["Poland"]
    with pytest.raises(ValueError):
        novel_spans(text, refs, agree=0)


def test_novel_spans_empty_for_identical_and_spelling_variants() -> None:
    text = "The minister emphasised the honour of the defence forces."
    assert novel_spans(text, text) == ()
    assert novel_spans(text, "The minister emphasized the honor of the defense forces.") == ()


def test_novel_spans_ignores_lone_stopword() -> None:
    # "the" alone is alignment noise, not a new fact.
    assert novel_spans("He welcomed the guests", "He welcomed guests") == ()


def test_slot_form_replaces_names_keeps_formula() -> None:
    out = slot_form(WELCOME, WELCOME[0])
    assert out == (
        "Colonel General {…} welcomed the guests and expressed his satisfaction "
        "with seeing them in Azerbaijan."
    )
    assert "Zakir" not in out and "Hasanov" not in out


def test_slot_form_custom_placeholder_and_numbers() -> None:
    members = [
        "The meeting has been ongoing for 15 years, the ministry said.",
        "The meeting has been ongoing for 12 years, the ministry said.",
        "The meeting has been ongoing for 30 years, the ministry said.",
    ]
    assert slot_form(members, members[1], placeholder="<X>") == (
        "The meeting has been ongoing for <X> years, the ministry said."
    )


def test_slot_form_degenerate_inputs_return_canonical() -> None:
    assert slot_form([WELCOME[0]], WELCOME[0]) == WELCOME[0]
    assert slot_form(WELCOME, "") == ""


def test_slot_form_counts_verbatim_copies_of_canonical() -> None:
    canonical = "Colonel General Zakir Hasanov welcomed the guests"
    members = [canonical, canonical, canonical, "Colonel General Karim Valiyev welcomed the guests"]
    # 3 of the 4 members say "Zakir Hasanov": it is not a varying slot.
    assert slot_form(members, canonical) == canonical


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
