"""Novel spans and slot forms (spans.py)."""

from __future__ import annotations

import pytest

from protocol_match.records import Span
from protocol_match.scoring import novel_spans, slot_form
from tests.test_lexical import WELCOME


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
