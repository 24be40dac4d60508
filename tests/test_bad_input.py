"""Every bad input gives a one-line error or a logged skip, and the store loses nothing.

CLI cases run in-process (CliRunner) on a copy of the seed-000 store; indexing reuses the
session's loaded model (same files, same fingerprint) instead of loading it again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from protocol_match.cli import cli
from protocol_match.errors import InputError
from protocol_match.ingest import article_from_text, read_articles, segment
from protocol_match.store import Store, check_store

from .conftest import SEED_000, SEED_003

ARABIC = (
    "أعلنت وزارة الدفاع اليوم عن زيارة وفد عسكري رفيع المستوى. وناقش الطرفان سبل تعزيز "
    "التعاون العسكري بين البلدين.\n\nوأكد الوزير أهمية الحوار الاستراتيجي."
)
HEBREW = "משרד הביטחון הודיע היום על ביקור משלחת צבאית. הצדדים דנו בהרחבת שיתוף הפעולה."


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def store(store_copy, embedder, monkeypatch) -> Path:
    """A writable seed-000 store; the CLI's model loads resolve to the session's model."""
    import protocol_match.corpus._corpus as corpus_mod

    monkeypatch.setattr(corpus_mod, "load_embedder", lambda *a, **k: embedder)
    return store_copy


def _index(runner: CliRunner, store: Path, *args: str):  # noqa: ANN202
    return runner.invoke(cli, ["--store", str(store), "index", *args, "--no-mine"])


def _articles(store: Path) -> list[str]:
    with Store.open(store) as st_:
        return [r[1] for r in st_.article_table()]


def _one_line_error(result, *needles: str) -> None:  # noqa: ANN001
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for needle in needles:
        assert needle in lines[0], lines[0]


def _unchanged(store: Path, before: list[str]) -> None:
    assert _articles(store) == before
    assert check_store(store).issues == ()


# ------------------------------------------------------------------------------ named cases


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("empty.txt", b"", "is empty"),
        ("blank.txt", b"  \n\t\r\n \n", "is empty"),
        ("only-controls.txt", b"\x01\x02\x03\x04\x05\x06\x07 \x08", "looks binary"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(512), "looks binary"),
        ("utf16.txt", "Hello world.".encode("utf-16"), "UTF-16"),
        ("latin1.txt", "Le ministre a salué la coopération.".encode("latin-1"), "latin-1"),
        ("rows.jsonl", b'{"text": "Fine."}\n{bad json\n', "line 2"),
        ("list.jsonl", b"[1, 2]\n", "line 1"),
        ("nocol.csv", b"id,body\n1,hello\n", "no column 'text'"),
        ("empty.jsonl", b"\n\n", "is empty"),
        ("header.csv", b"id,text\n", "no rows"),
        # found by hypothesis: a bare carriage return in a CSV header escaped as _csv.Error
        ("bare-cr.csv", b"\r\x1b", "no header row"),
        ("cr-header.csv", b"text\r\x1b", "line 2"),
    ],
)
def test_bad_file_one_line_error_store_untouched(store, runner, tmp_path, name, data, needle):
    before = _articles(store)
    f = tmp_path / name
    f.write_bytes(data)
    _one_line_error(_index(runner, store, str(f)), str(f), needle)
    _unchanged(store, before)


def test_latin1_with_encoding_option_works(store, runner, tmp_path):
    f = tmp_path / "latin1.txt"
    f.write_bytes("Le ministre a salué la coopération militaire entre les pays.".encode("latin-1"))
    result = _index(runner, store, str(f), "--encoding", "latin-1")
    assert result.exit_code == 0, result.output
    with Store.open(store) as st_:
        texts = [a.text for a in st_.articles()]
    assert any("salué la coopération" in t for t in texts)


def test_bom_crlf_control_and_zero_width_normalize_to_the_same_article(store, runner, tmp_path):
    """Encoding noise is normalized away: each variant is the seed already in the store."""
    before = _articles(store)
    clean = SEED_000.read_text(encoding="utf-8")
    variants = {
        "bom.txt": "\ufeff" + clean,
        "crlf.txt": clean.replace("\n", "\r\n"),
        "cr.txt": clean.replace("\n", "\r"),
        "zero-width.txt": clean.replace("Minister", "Min\u200bis\u200dter").replace(" ", " \u2060"),
        "controls.txt": clean.replace("Defense", "De\x07fen\x1bse"),
    }
    for name, text in variants.items():
        (tmp_path / name).write_text(text, encoding="utf-8", newline="")
    result = _index(runner, store, *(str(tmp_path / n) for n in variants))
    assert result.exit_code == 0, result.output
    assert f"all {len(variants)} articles are already in the store" in result.output
    _unchanged(store, before)


def test_right_to_left_text_indexes_and_round_trips(store, runner, tmp_path):
    for name, text in (("ar.txt", ARABIC), ("he.txt", HEBREW)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = _index(runner, store, str(tmp_path / "ar.txt"), str(tmp_path / "he.txt"))
    assert result.exit_code == 0, result.output
    assert "Added 2 articles" in result.output
    with Store.open(store) as st_:
        arts = [a for a in st_.articles() if a.text[0] in "אמأ"]
        assert len(arts) == 2
        for art in arts:
            for p in segment(art).passages:
                assert art.text[p.start : p.end] == p.text
    assert check_store(store, deep=True).issues == ()


def test_skip_bad_skips_rows_and_names_their_lines(store, runner, tmp_path, caplog):
    f = tmp_path / "rows.jsonl"
    rows = [
        json.dumps({"text": "The ministry reported a first thing today."}),
        "{bad json",
        "[1, 2]",
        json.dumps({"id": "no-text"}),
        json.dumps({"text": "   "}),
        json.dumps({"text": "The ministry reported a second thing today."}),
    ]
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = _articles(store)
    _one_line_error(_index(runner, store, str(f)), "line 2")
    assert _articles(store) == before
    result = _index(runner, store, str(f), "--skip-bad")
    assert result.exit_code == 0, result.output
    assert "Added 2 articles" in result.output
    summary = " ".join(result.output.split())  # the console wraps long lines
    assert "Skipped 4 unreadable file(s)/row(s) (--skip-bad); first:" in summary
    assert "line 2" in summary.split("first:")[1]
    skipped = [r.getMessage() for r in caplog.records if "skipped row" in r.getMessage()]
    assert [m.split(" line ")[1].split(":")[0] for m in skipped] == ["2", "3", "4", "5"]
    assert len(_articles(store)) == len(before) + 2


def test_missing_and_unreadable_paths(store, runner, tmp_path):
    before = _articles(store)
    _one_line_error(_index(runner, store, str(tmp_path / "nope.txt")), "No such file")
    link = tmp_path / "dangling.txt"
    link.symlink_to(tmp_path / "gone.txt")
    _one_line_error(_index(runner, store, str(link)), "No such file")
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    _one_line_error(_index(runner, store, str(fifo)), "neither a file nor a folder")
    if os.geteuid() != 0:  # root reads anything: permissions cannot be tested as root
        locked = tmp_path / "locked.txt"
        locked.write_text("Some text.")
        locked.chmod(0)
        _one_line_error(_index(runner, store, str(locked)), "permission denied")
    _unchanged(store, before)


def test_store_path_that_is_a_file(runner, tmp_path):
    target = tmp_path / "store"
    target.write_text("not a folder")
    _one_line_error(_index(runner, target, str(SEED_003)), "is a file, not a directory")
    result = runner.invoke(cli, ["--store", str(target), "compare", str(SEED_003)])
    _one_line_error(result, "is a file, not a directory")
    assert target.read_text() == "not a folder"


def test_file_over_64_mb_is_refused_before_reading(store, runner, tmp_path):
    big = tmp_path / "huge.txt"
    with open(big, "wb") as fh:  # sparse: the size check happens before any read
        fh.truncate(65 * 2**20)
    before = _articles(store)
    _one_line_error(_index(runner, store, str(big)), "over the 2 MB limit")
    _unchanged(store, before)


# ------------------------------------------------------------------------------ scale


_MEASURE = textwrap.dedent(
    """
    import resource, sys, time
    from protocol_match.ingest import read_articles
    from protocol_match.ingest import segment
    from protocol_match.errors import InputError
    t = time.perf_counter()
    n = passages = 0
    try:
        for art in read_articles([sys.argv[1]]):
            n += 1
            if sys.argv[2] == "segment":
                passages += len(segment(art).passages)
        outcome = "ok"
    except InputError as exc:
        outcome = "InputError: " + str(exc)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(outcome, n, passages, round(time.perf_counter() - t, 2), round(rss), sep="\\t")
    """
)


def _measure(path: Path, mode: str) -> tuple[str, int, int, float, float]:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), mode],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcome, n, passages, took, rss = done.stdout.strip().split("\t")
    return outcome, int(n), int(passages), float(took), float(rss)


def test_many_files_are_read_one_at_a_time(tmp_path, monkeypatch):
    """Articles stream: each file is opened only when its article is asked for, so memory
    does not grow with the articles (the 100k-file scale: benchmarks/ingest.py)."""
    import protocol_match.ingest._read as ingest_mod

    folder = tmp_path / "many"
    for d in range(20):
        sub = folder / f"outlet{d:02d}"
        sub.mkdir(parents=True)
        for i in range(100):
            (sub / f"{i:04d}.txt").write_text(f"Article {d}-{i}: the ministry said so.")
    opened: list[Path] = []
    real_open = ingest_mod._open_binary
    monkeypatch.setattr(ingest_mod, "_open_binary", lambda p: opened.append(p) or real_open(p))
    stream = read_articles([folder])
    first = next(stream)
    assert first.text == "Article 0-0: the ministry said so." and len(opened) == 1
    for n, art in enumerate(stream, 2):
        assert len(opened) == n and art.source == opened[-1].parent.name
    assert len(opened) == 2000


def test_50mb_paragraph_is_refused_or_bounded(tmp_path):
    words = b"the minister said that cooperation between the two countries is important "
    big = tmp_path / "one-paragraph.txt"
    with open(big, "wb") as fh:
        sentence = words * 3 + b"for peace. "
        fh.write(sentence * (50 * 2**20 // len(sentence)))
    outcome, _, passages, took, rss = _measure(big, "segment")
    print(f"\n50 MB paragraph: {outcome[:60]} {passages} passages {took:.1f}s {rss:.0f} MB")
    assert outcome.startswith("InputError") or rss < 500


# ------------------------------------------------------------------------------ properties


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=0, max_size=400))
def test_any_text_segments_with_round_tripping_offsets(text):
    try:
        article = article_from_text(text)
        seg = segment(article)
    except (InputError, ValueError):
        return
    assert seg.paragraphs, "a non-empty article has a paragraph"
    for level in (seg.paragraphs, seg.sentences):
        assert [p.index for p in level] == list(range(len(level)))
        for p in level:
            assert 0 <= p.start < p.end <= len(article.text)
            assert article.text[p.start : p.end] == p.text == p.text.strip()


def test_old_mac_csv_with_bare_cr_line_ends_reads_every_row(tmp_path):
    f = tmp_path / "mac.csv"
    f.write_bytes(b"id,text\r1,First article here.\r2,Second article here.\r")
    arts = list(read_articles([f]))
    assert [a.id for a in arts] == ["1", "2"]
    assert [a.text for a in arts] == ["First article here.", "Second article here."]


def test_failed_first_index_leaves_no_store_behind(runner, embedder, monkeypatch, tmp_path):
    import protocol_match.corpus._corpus as corpus_mod

    monkeypatch.setattr(corpus_mod, "load_embedder", lambda *a, **k: embedder)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\r\x1b")
    for new_store in (tmp_path / "fresh", tmp_path / "existing-empty-dir"):
        if new_store.name.startswith("existing"):
            new_store.mkdir()
        _one_line_error(_index(runner, new_store, str(bad)), str(bad))
        assert not (new_store / "store.sqlite").exists()
        assert new_store.exists() == new_store.name.startswith("existing")
        assert not any(new_store.iterdir()) if new_store.exists() else True


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([".txt", ".jsonl", ".csv"]))
@example(b"\r\x1b", ".csv")
def test_any_bytes_read_as_articles_or_input_error(data, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / f"input{suffix}"
        f.write_bytes(data)
        try:
            arts = list(read_articles([f]))
        except InputError as exc:
            assert str(f) in str(exc) and "\n" not in str(exc)
            return
        for art in arts:
            assert art.text.strip()
            for p in segment(art).passages:
                assert art.text[p.start : p.end] == p.text


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=5))
def test_any_jsonl_rows_read_or_input_error_naming_the_line(texts):
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "rows.jsonl"
        f.write_text("\n".join(json.dumps({"text": t}) for t in texts), encoding="utf-8")
        try:
            arts = list(read_articles([f]))
        except InputError as exc:
            assert " line " in str(exc) or "is empty" in str(exc)
            return
        assert len(arts) == len(texts)
