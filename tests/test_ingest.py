"""Tests for protocol_match.ingest: normalization, ids, and every input format and error."""

from __future__ import annotations

import io
import json
import logging
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol_match.errors import InputError
from protocol_match.ingest import (
    article_from_text,
    content_id,
    iter_input_files,
    normalize_text,
    parse_txt,
    read_articles,
)

ROOT = Path(__file__).resolve().parents[1]
SEED_000 = ROOT / "seeds" / "000_f20aa96fecda98fa.txt"
SEED_003 = ROOT / "seeds" / "003_2a0c25d3f043716a.txt"

WRAPPED = (
    "The Azerbaijani Defence Minister, Colonel General Zakir Hasanov, met with\n"
    "the delegation led by Turkish Deputy National Defence Minister, who is on\n"
    "a working visit to Azerbaijan, Azernews reports, citing the Defence\n"
    "Ministry and its press service.\n"
)


def one(paths: object, **kwargs: object) -> object:
    articles = list(read_articles(paths, **kwargs))  # type: ignore[arg-type]
    assert len(articles) == 1
    return articles[0]


# --- seeds ---------------------------------------------------------------------------------


def test_seed_000_header_date_and_paragraphs() -> None:
    a = one([SEED_000])
    assert a.date == "2024-12-12"
    assert a.text.startswith("BAKU, Azerbaijan, December 12. The Minister of Defense")
    # The file has 11 blank-line separated paragraphs (checked with `grep -c . FILE`).
    assert len(a.text.split("\n\n")) == 11
    assert a.source == "000_f20aa96fecda98fa"
    assert a.origin == str(SEED_000)
    assert a.title is None
    assert a.id == content_id(a.text)


def test_seed_003_header_timestamp_and_closing_rule() -> None:
    a = one([SEED_003])
    assert a.date == "2024-01-17"
    paragraphs = a.text.split("\n\n")
    # 10 paragraphs; the closing "---" line is dropped.
    assert len(paragraphs) == 10
    assert paragraphs[0] == "17 January 2024 17:21 (UTC+04:00)"
    assert "---" not in a.text
    assert a.text.endswith("including regional security issues.")
    assert "Tüfekçi" in a.text and "Bağcı" in a.text


def test_folder_reads_seeds_sorted() -> None:
    articles = list(read_articles([ROOT / "seeds"]))
    assert [a.date for a in articles] == ["2024-12-12", "2024-01-17"]


# --- normalize_text --------------------------------------------------------------------------


def test_crlf_bom_zero_width_controls_and_spaces() -> None:
    raw = "\ufeffFirst\u200b para\x07graph  with   spaces.\r\n\r\nSecond\u2060 one.\rstill\tsecond."
    assert normalize_text(raw) == "First paragraph with spaces.\n\nSecond one. still second."


def test_hard_wrapped_paragraph_is_rejoined() -> None:
    text = normalize_text(WRAPPED)
    assert "\n" not in text
    assert text.startswith(
        "The Azerbaijani Defence Minister, Colonel General Zakir Hasanov, met with the"
    )


def test_hard_wrapped_paragraphs_with_blank_lines() -> None:
    text = normalize_text(WRAPPED + "\n" + WRAPPED)
    assert text.split("\n\n") == [normalize_text(WRAPPED)] * 2


def test_hard_wrap_hyphen_is_kept_without_space() -> None:
    text = normalize_text("Title.\n\nmilitary-\ntechnical and a -\nb")
    assert text == "Title.\n\nmilitary-technical and a - b"


def test_one_sentence_per_line_stays_paragraphs() -> None:
    raw = "Then, the Defence Ministry hosted the meeting.\nThe sides honoured the memory.\nDone."
    assert normalize_text(raw).split("\n\n") == [
        "Then, the Defence Ministry hosted the meeting.",
        "The sides honoured the memory.",
        "Done.",
    ]
    assert (
        normalize_text("Short line,\ncontinued here.\nNext.")
        == "Short line, continued here.\n\nNext."
    )


def test_title_line_above_long_body_is_not_joined() -> None:
    raw = "Defence ministers meet in Baku today\n" + "The minister met the guests. " * 10
    assert len(normalize_text(raw).split("\n\n")) == 2


def test_wrapped_text_without_blank_lines_ends_paragraph_at_short_line() -> None:
    raw = WRAPPED + WRAPPED
    assert len(normalize_text(raw).split("\n\n")) == 2


def test_closing_dashes_only_at_end() -> None:
    assert normalize_text("A.\n\n---\n\nB.") == "A.\n\n---\n\nB."
    assert normalize_text("A.\n\n---\n \n") == "A."
    assert normalize_text("---") == ""
    assert normalize_text("A.\n---\n----\n") == "A."


_CHARS = st.characters(blacklist_categories=["Cs"]) | st.sampled_from(list("\n\n \r-.a:\u200b"))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_CHARS, max_size=300))
def test_normalize_text_is_idempotent_and_clean(raw: str) -> None:
    text = normalize_text(raw)
    assert normalize_text(text) == text
    assert text == text.strip()
    for paragraph in text.split("\n\n") if text else []:
        assert paragraph and "\n" not in paragraph and "  " not in paragraph


# --- ids and string constructors ------------------------------------------------------------


def test_content_id_stable_and_whitespace_insensitive() -> None:
    assert content_id("The sides met.") == content_id("The sides met.")
    assert content_id("The  sides\nmet. ") == content_id("the sides met.")
    assert content_id("The sides met.") != content_id("The sides left.")
    assert len(content_id("x")) == 16


def test_same_article_read_twice_same_id(tmp_path: Path) -> None:
    (tmp_path / "wrapped.txt").write_text(WRAPPED)
    assert one([tmp_path / "wrapped.txt"]).id == article_from_text(" ".join(WRAPPED.split())).id


def test_parse_txt_without_header() -> None:
    a = parse_txt("Plain text.", origin="x.txt", source="s", title="T")
    assert (a.date, a.source, a.title, a.origin, a.text) == (None, "s", "T", "x.txt", "Plain text.")


def test_parse_txt_header_on_its_own_line_and_bad_date(caplog: pytest.LogCaptureFixture) -> None:
    assert parse_txt("date 2024-01-17\nBody.").date == "2024-01-17"
    with caplog.at_level(logging.WARNING):
        a = parse_txt(" date 2024-13-45 Body.", origin="f.txt")
    assert a.date is None and a.text == "Body."
    assert "f.txt" in caplog.text


def test_article_from_text_explicit_values() -> None:
    a = article_from_text(" date 2024-01-17 Hello.", id="a1", source="trend", title="T")
    assert (a.id, a.date, a.source, a.title, a.text) == ("a1", "2024-01-17", "trend", "T", "Hello.")
    assert article_from_text("Hi.", date="2024-02-03T10:00:00+04:00").date == "2024-02-03"
    with pytest.raises(ValueError):
        article_from_text("  \n ")


# --- JSONL / CSV / stdin / folders ----------------------------------------------------------


def test_jsonl_custom_columns(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    rows = [
        {"body": "First story.", "key": 7, "when": "2024-01-17T17:21:00Z", "outlet": "azernews"},
        {"body": "Second story.", "headline": "H"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    articles = list(
        read_articles(
            [path],
            text_column="body",
            id_column="key",
            date_column="when",
            source_column="outlet",
            title_column="headline",
        )  # fmt: skip
    )
    assert [a.id for a in articles] == ["7", content_id("Second story.")]
    assert [a.date for a in articles] == ["2024-01-17", None]
    assert [a.source for a in articles] == ["azernews", "feed"]
    assert [a.title for a in articles] == [None, "H"]
    assert articles[0].origin == f"{path}:1"


def test_csv_custom_columns_quoted_newlines_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_bytes(
        '\ufeffbody,date,title\n"Line one,\nline two.",2024-01-17,T\n,,\n"Other.",bad,\n'.encode()
    )
    articles = list(read_articles([path], text_column="body"))
    assert [a.text for a in articles] == ["Line one, line two.", "Other."]
    assert [a.date for a in articles] == ["2024-01-17", None]
    assert [a.title for a in articles] == ["T", None]
    assert articles[0].source == "feed"


def test_csv_semicolon_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id;text\na;Hello, world.\n")
    assert one([path]).text == "Hello, world."


def test_folder_recursion_source_from_subfolder(tmp_path: Path) -> None:
    (tmp_path / "trend").mkdir()
    (tmp_path / "trend" / "b.txt").write_text("B story.")
    (tmp_path / "trend" / "a.txt").write_text("A story.")
    (tmp_path / "top.txt").write_text("Top story.")
    (tmp_path / "notes.md").write_text("ignored")
    (tmp_path / ".hidden.txt").write_text("ignored")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("ignored")
    articles = list(read_articles([tmp_path]))
    assert [(a.text, a.source) for a in articles] == [
        ("Top story.", "top"),
        ("A story.", "trend"),
        ("B story.", "trend"),
    ]
    assert [p.name for p in iter_input_files([tmp_path])] == ["top.txt", "a.txt", "b.txt"]


def test_stdin_text_and_jsonl() -> None:
    a = one(["-"], stdin=io.StringIO(" date 2024-12-12 Hello there.\r\n"))
    assert (a.text, a.date, a.origin) == ("Hello there.", "2024-12-12", "<stdin>")
    jsonl = '{"text": "One."}\n\n{"text": "Two.", "id": "x"}\n'
    articles = list(read_articles("-", stdin=io.StringIO(jsonl)))
    assert [(a.text, a.id) for a in articles] == [("One.", content_id("One.")), ("Two.", "x")]


def test_stdin_bytes_decoded_with_encoding() -> None:
    stream = io.TextIOWrapper(io.BytesIO("caf\xe9 au lait.".encode("latin-1")))
    assert one("-", stdin=stream, encoding="latin-1").text == "caf\xe9 au lait."
    stream = io.TextIOWrapper(io.BytesIO(b"caf\xe9."))
    with pytest.raises(InputError, match=r"<stdin> is not valid UTF-8 \(byte 0xe9 at offset 3\)"):
        list(read_articles("-", stdin=stream))


def test_other_suffix_read_as_text_and_latin1(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_bytes("Bağcı".encode() + " caf\xe9.".encode("latin-1"))
    with pytest.raises(InputError, match="story.md is not valid UTF-8.*offset 11.*--encoding"):
        list(read_articles([path]))
    assert one([path], encoding="latin-1").text.endswith("café.")


# --- errors --------------------------------------------------------------------------------


def test_argument_validation() -> None:
    with pytest.raises(ValueError):
        read_articles([])
    with pytest.raises(ValueError):
        read_articles([SEED_000], on_error="ignore")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        read_articles([SEED_000], encoding="no-such-codec")
    with pytest.raises(ValueError):
        read_articles([SEED_000], text_column="")


def test_missing_path_raises_early_even_with_skip(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"No such file or directory: .*nope\.txt"):
        read_articles([SEED_000, tmp_path / "nope.txt"], on_error="skip")


@pytest.mark.parametrize(
    ("name", "content", "pattern"),
    [
        ("empty.txt", b"", r"empty\.txt is empty: nothing to index"),
        ("blank.txt", b" \n\t\n", r"blank\.txt is empty"),
        ("header.txt", b" date 2024-01-01 \n", r"header\.txt is empty"),
        ("bin.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", r"bin\.txt looks binary"),
        ("bad.txt", b"ok \xff\xfe no", r"bad\.txt is not valid UTF-8 \(byte 0xff at offset 3\)"),
        ("utf16.txt", "hi".encode("utf-16"), r"utf16\.txt looks like UTF-16"),
        ("nocol.csv", b"a,b,c\n1,2,3\n", r"nocol\.csv has no column 'text' \(columns: a, b, c\)"),
        ("empty.csv", b"", r"empty\.csv is empty"),
        ("header.csv", b"id,text\n\n", r"header\.csv has a header but no rows"),
        ("short.csv", b"id,text\n1\n", r"short\.csv line 2: empty 'text'"),
        ("emptytext.csv", b"text,id\n  ,1\n", r"emptytext\.csv line 2: empty 'text'"),
        (
            "notobj.jsonl",
            b'{"text": "a"}\n[1, 2]\n',
            r"notobj\.jsonl line 2: expected a JSON object",
        ),
        ("badjson.jsonl", b'{"text": "a"}\n{"text": \n', r"badjson\.jsonl line 2: not valid JSON"),
        ("nofield.jsonl", b'{"body": "a"}\n', r"nofield\.jsonl line 1: no field 'text'"),
        ("emptyrow.jsonl", b'{"text": " "}\n', r"emptyrow\.jsonl line 1: empty 'text'"),
        ("nonstr.jsonl", b'{"text": 5}\n', r"nonstr\.jsonl line 1: 'text' is not a string"),
        ("blank.jsonl", b"\n\n", r"blank\.jsonl is empty"),
        ("badline.jsonl", b'{"text": "a"}\n{"text": "\xe9"}\n', r"badline\.jsonl .*offset 24"),
    ],
)
def test_bad_inputs_raise_input_error(
    tmp_path: Path, name: str, content: bytes, pattern: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=pattern):
        list(read_articles([path]))


def test_skip_mode_skips_bad_rows_and_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a.jsonl").write_bytes(
        b'{"text": "Good."}\nnot json\n{"text": ""}\n{"text": "Also."}\n'
    )
    (tmp_path / "b.txt").write_bytes(b"\x00\x01binary")
    (tmp_path / "c.txt").write_text("Fine.")
    with caplog.at_level(logging.WARNING):
        texts = [a.text for a in read_articles([tmp_path], on_error="skip")]
    assert texts == ["Good.", "Also.", "Fine."]
    assert "a.jsonl line 2" in caplog.text and "b.txt looks binary" in caplog.text


def test_neither_file_nor_folder() -> None:
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null")
    with pytest.raises(InputError, match="/dev/null is neither a file nor a folder"):
        list(read_articles(["/dev/null"]))


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("x")
    path.chmod(0)
    try:
        with pytest.raises(InputError, match=r"secret\.txt: permission denied"):
            list(read_articles([path]))
    finally:
        path.chmod(0o644)


def test_too_big_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with open(path, "wb") as fh:
        fh.truncate(64 * 1024 * 1024 + 1)  # sparse: no real 64 MB write
    with pytest.raises(InputError, match=r"big\.txt is 64\.0 MB, over the 2 MB limit"):
        list(read_articles([path]))


def test_permission_error_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same path as test_unreadable_file, for runs as root (which can read anything)."""
    path = tmp_path / "secret.txt"
    path.write_text("x")

    def deny(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("protocol_match.ingest._read.open", deny, raising=False)
    with pytest.raises(InputError, match=r"secret\.txt: permission denied; check"):
        list(read_articles([path]))
