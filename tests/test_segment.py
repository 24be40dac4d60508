"""Tests for protocol_match.ingest._segment: sentence rules, offsets, long passages, properties."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol_match.ingest import article_from_text, read_articles
from protocol_match.ingest._segment import (
    _blingfire_breaks,
    segment,
    split_paragraphs,
    split_sentences,
)
from protocol_match.records import Article, Segmented

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def check_offsets(seg: Segmented) -> None:
    text = seg.article.text
    for p in seg.passages:
        assert text[p.start : p.end] == p.text
        assert p.text == p.text.strip() and p.text
        assert p.article_id == seg.article.id
    for level in (seg.paragraphs, seg.sentences):
        assert [p.index for p in level] == list(range(len(level)))
        assert all(a.end <= b.start for a, b in zip(level, level[1:], strict=False))


@pytest.fixture(scope="module")
def seeds() -> list[Segmented]:
    return [segment(a) for a in read_articles([SEEDS])]


# --- sentence rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Colonel General Z. Hasanov welcomed the guests.",
        "C.S. Tüfekçi expressed his satisfaction with the visit.",
        "Lt. Gen. Smith and Gen. Aliyev arrived.",
        "Col. Jones met the delegation.",  # blingfire splits after "Col."
        "Mr. Smith spoke to the U.S. delegation.",  # ... and after "Mr."
        "Dr. Who met Prof. X on Feb. 3 in Baku.",  # ... and after "Dr."
        "The unit No. 5 was inspected on Jan. 17 by Ms. Ann Lee.",
        "BAKU, Azerbaijan, December 12. The Minister of Defense received a delegation.",
        "ANKARA, Türkiye, Jan. 17. The ministers met.",
        "NEW YORK, May 3 (Trend). The UN said so.",
    ],
)
def test_no_break_after_abbreviations_initials_datelines(text: str) -> None:
    assert sentences(text) == [text]


def test_timestamp_is_its_own_sentence() -> None:
    text = "17 January 2024 17:21 (UTC+04:00) The Azerbaijani Defence Minister met them. He left."
    assert sentences(text) == [
        "17 January 2024 17:21 (UTC+04:00)",
        "The Azerbaijani Defence Minister met them.",
        "He left.",
    ]
    assert sentences("17 January 2024 17:21 (UTC+04:00)") == ["17 January 2024 17:21 (UTC+04:00)"]
    assert sentences("17.01.2024, 17:21 The minister met.") == [
        "17.01.2024, 17:21",
        "The minister met.",
    ]


def test_real_sentence_ends_still_split() -> None:
    assert sentences("He went to the U.S. The next day he came back.") == [
        "He went to the U.S.",
        "The next day he came back.",
    ]
    assert sentences("He left. Gen. Brown stayed. Mr. Ali came.") == [
        "He left.",
        "Gen. Brown stayed.",
        "Mr. Ali came.",
    ]
    assert sentences("It was on Jan. 17. Gen. Ali came.") == [
        "It was on Jan. 17.",
        "Gen. Ali came.",
    ]


def test_split_sentences_range_and_validation() -> None:
    text = "Ignore me. First one. Second one. Ignore too."
    start, end = text.index("First"), text.index(" Ignore too")
    spans = split_sentences(text, start, end)
    assert [text[a:b] for a, b in spans] == ["First one.", "Second one."]
    assert split_sentences("   \n ") == []
    with pytest.raises(ValueError):
        split_sentences("abc", 2, 1)


def test_split_paragraphs_strips_and_skips_blank() -> None:
    text = "  One.\n \n\n\tTwo\nlines.  \n\n   \n"
    assert [text[a:b] for a, b in split_paragraphs(text)] == ["One.", "Two\nlines."]


def test_lone_surrogate_falls_back_without_crashing() -> None:
    text = "Bad \ud800 char. Next sentence here."
    assert sentences(text) == ["Bad \ud800 char.", "Next sentence here."]


# --- seeds ---------------------------------------------------------------------------------


def test_seed_offsets_round_trip(seeds: list[Segmented]) -> None:
    for seg in seeds:
        check_offsets(seg)


def test_seed_structure(seeds: list[Segmented]) -> None:
    s000, s003 = seeds
    assert len(s000.paragraphs) == 11 and len(s003.paragraphs) == 10
    texts = [p.text for p in s000.sentences]
    assert texts[0].startswith("BAKU, Azerbaijan, December 12. The Minister of Defense")
    assert "The guests laid wreaths and flowers and honored their blessed memory." in texts
    texts3 = [p.text for p in s003.sentences]
    assert texts3[0] == "17 January 2024 17:21 (UTC+04:00)"
    assert any(t.startswith("Colonel General Z. Hasanov welcomed") for t in texts3)
    assert any(t.startswith("C.S. Tüfekçi expressed") for t in texts3)
    assert any("Cahit Bağcı" in t for t in texts3)
    # A one-sentence paragraph yields both a paragraph and a sentence passage.
    para = s003.paragraphs[3]
    assert para.text == "Then, the Defence Ministry hosted the meeting with the Turkish delegation."
    assert [s.text for s in s003.sentences if s.paragraph == 3] == [para.text]
    # The strategic-alliance formula is its own sentence inside a longer paragraph.
    assert any(t.startswith("He emphasised that the strategic alliance") for t in texts3)


def test_sentence_paragraph_numbers(seeds: list[Segmented]) -> None:
    seg = seeds[0]
    for s in seg.sentences:
        p = seg.paragraphs[s.paragraph]
        assert p.start <= s.start and s.end <= p.end


# --- long passages -------------------------------------------------------------------------


def test_long_sentence_split_at_commas_not_truncated() -> None:
    clause = "the sides discussed military cooperation and regional security issues"
    text = ", ".join([clause] * 40) + "."  # one 360-word sentence
    seg = segment(article_from_text(text), max_words=100)
    check_offsets(seg)
    assert len(seg.sentences) == 4
    assert all(len(s.text.split()) <= 100 for s in seg.sentences)
    assert all(s.text.endswith((",", ".")) for s in seg.sentences)
    assert " ".join(s.text for s in seg.sentences) == text  # nothing lost
    assert len(seg.paragraphs) == 4 and {p.paragraph for p in seg.paragraphs} == {0}


def test_long_sentence_without_punctuation_split_evenly() -> None:
    text = " ".join(f"w{i}" for i in range(250))
    seg = segment(article_from_text(text), max_words=200)
    assert [len(s.text.split()) for s in seg.sentences] == [125, 125]


def test_long_paragraph_split_into_whole_sentences() -> None:
    sentence = "The minister welcomed the guests and expressed his satisfaction with the visit."
    text = "Intro paragraph.\n\n" + " ".join([sentence] * 30)  # 12 words x 30 = 360 words
    seg = segment(article_from_text(text), max_words=100)
    check_offsets(seg)
    assert seg.paragraphs[0].text == "Intro paragraph."
    long_parts = seg.paragraphs[1:]
    assert [p.paragraph for p in long_parts] == [1, 1, 1, 1]
    assert [p.index for p in long_parts] == [1, 2, 3, 4]
    assert all(len(p.text.split()) <= 100 for p in long_parts)
    assert all(p.text.endswith("visit.") for p in long_parts)
    assert len(seg.sentences) == 31
    assert {s.paragraph for s in seg.sentences[1:]} == {1}


def test_segment_validation_and_empty() -> None:
    with pytest.raises(ValueError):
        segment(article_from_text("x"), max_words=0)
    empty = segment(Article(id="e", text=""))
    assert empty.paragraphs == () and empty.sentences == ()


def test_speed_one_megabyte() -> None:
    text = (SEEDS / "000_f20aa96fecda98fa.txt").read_text()
    big = article_from_text("\n\n".join([text] * (1_000_000 // len(text) + 1)))
    t0 = time.perf_counter()
    seg = segment(big)
    elapsed = time.perf_counter() - t0
    assert len(seg.sentences) > 1000
    assert elapsed < 2.0, f"segmenting 1 MB took {elapsed:.2f} s"


# --- properties ----------------------------------------------------------------------------

_WORDS = st.sampled_from(
    ["Mr.", "Gen.", "Z.", "C.S.", "U.S.", "BAKU,", "Azerbaijan,", "December", "12.", "17:21",
     "(UTC+04:00)", "Tüfekçi", "Bağcı", "“quoted”", "word", "the", "a", "end.", "Why?", "No.",
     "5", ";", ",", "—", "日本語。", "😀", "...", "---"]
)  # fmt: skip
_SEPARATORS = st.sampled_from([" ", " ", " ", "\n", "\n\n", "\t", "  ", "\u00a0", "\r\n"])


@st.composite
def article_texts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(_WORDS | st.text(max_size=6), _SEPARATORS), max_size=80))
    return "".join(w + s for w, s in parts)


@settings(max_examples=300, deadline=None)
@given(article_texts(), st.integers(min_value=1, max_value=30))
def test_offsets_round_trip_for_any_text(raw: str, max_words: int) -> None:
    seg = segment(Article(id="x", text=raw), max_words=max_words)
    check_offsets(seg)
    # Sentences cover every non-space character of every paragraph.
    covered = "".join(s.text for s in seg.sentences)
    assert "".join(covered.split()) == "".join(raw.split())
    assert all(len(s.text.split()) <= max_words for s in seg.sentences)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_split_sentences_spans_ordered_for_any_text(text: str) -> None:
    spans = split_sentences(text)
    prev = 0
    for a, b in spans:
        assert prev <= a < b <= len(text)
        assert text[a:b] == text[a:b].strip()
        prev = b
    assert "".join("".join(text[a:b] for a, b in spans).split()) == "".join(text.split())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=200))
def test_fast_blingfire_offsets_match_public_api(text: str) -> None:
    """Our byte->character mapping of blingfire's sentence ends equals its own wrapper's."""
    import blingfire

    try:
        expected = [end for _, end in blingfire.text_to_sentences_and_offsets(text)[1]]
    except AssertionError:  # the public wrapper itself fails on some inputs
        return
    assert _blingfire_breaks(text) == expected
