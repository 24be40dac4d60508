"""The store survives crashes, concurrent writers and corruption (real model, real FAISS).

Workers run in subprocesses against a store whose ``vectors`` table already holds every
input text's vector (the embedding cache), so they never load the model: each run costs
well under a second and a test can kill twenty of them.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from protocol_match.cli import cli
from protocol_match.cli._health import register
from protocol_match.corpus import Corpus
from protocol_match.errors import StoreError, StoreLockedError
from protocol_match.ingest import read_articles, segment
from protocol_match.store import LEVELS, Store, check_store, index_ids, rebuild_store

from .conftest import ROOT, SEED_000, SEED_003

if "check" not in cli.commands:
    register(cli)

WORKER = [sys.executable, str(Path(__file__).with_name("crash_worker.py"))]
N_ARTICLES = 40
CRASH_TRIALS = 20
MINING_TRIALS = 2


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def paragraphs() -> list[str]:
    out: list[str] = []
    for seed in (SEED_000, SEED_003):
        out += next(iter(read_articles([seed]))).text.split("\n\n")
    return out


@pytest.fixture(scope="module")
def cached_store(tmp_path_factory, embedder, paragraphs) -> Path:
    """An empty store (no articles) whose vector cache holds every seed paragraph/sentence."""
    path = tmp_path_factory.mktemp("cached") / "store"
    corpus = Corpus.open(path, create=True, backend="torch")
    corpus._embedder = embedder
    corpus.add(["\n\n".join(paragraphs)])
    corpus.close()
    conn = sqlite3.connect(path / "store.sqlite")
    with conn:
        conn.execute("DELETE FROM passages")
        conn.execute("DELETE FROM articles")
    conn.close()
    for f in path.glob("index-*.faiss"):
        f.unlink()
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, paragraphs) -> Path:
    """N_ARTICLES distinct articles, each a few seed paragraphs in a random order."""
    folder = tmp_path_factory.mktemp("inputs")
    rng = random.Random(7)
    seen: set[tuple[int, ...]] = set()
    while len(seen) < N_ARTICLES:
        pick = tuple(rng.sample(range(len(paragraphs)), rng.randint(2, 4)))
        if pick in seen:
            continue
        seen.add(pick)
        text = "\n\n".join(paragraphs[i] for i in pick)
        folder.joinpath(f"{len(seen):03d}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def expected(inputs) -> list[tuple[str, int, int]]:
    """(id, paragraphs, sentences) of each input article, in the order indexing reads them."""
    out = []
    for art in read_articles([inputs]):
        seg = segment(art)
        out.append((art.id, len(seg.paragraphs), len(seg.sentences)))
    return out


def _fresh(cached_store: Path, tmp_path: Path, name: str = "store") -> Path:
    dest = tmp_path / name
    shutil.copytree(cached_store, dest)
    return dest


def _verify_consistent(path: Path, expected: list[tuple[str, int, int]], batch: int) -> int:
    """Assert the store holds whole committed batches, nothing partial; return #articles."""
    report = check_store(path, deep=True)
    assert report.healthy, report.issues
    with Store.open(path) as store:
        ids = [row[1] for row in store.article_table()]
        n = len(ids)
        assert ids == [e[0] for e in expected[:n]], "not a prefix of the input order"
        assert n % batch == 0 or n == len(expected), f"{n} articles: a batch was split"
        per_article = dict(
            (((a, lv), c) for a, lv, c in store._conn.execute(
                "SELECT a.id, p.level, COUNT(*) FROM passages p "
                "JOIN articles a ON a.rowid = p.article GROUP BY a.id, p.level"
            ))
        )  # fmt: skip
        for aid, n_par, n_sent in expected[:n]:
            assert per_article[(aid, "paragraph")] == n_par
            assert per_article[(aid, "sentence")] == n_sent
        for level in LEVELS:  # indexes consistent after open (stale ones are rebuilt)
            idx = store.index(level)
            want = store.level_table(level)[0] if level != "article" else None
            if want is None:
                want = np.asarray([r[0] for r in store.article_table()], dtype=np.int64)
            assert np.array_equal(np.sort(index_ids(idx)), want)
    return n


# ------------------------------------------------------------------------------ crashes


def test_cached_worker_never_loads_the_model(cached_store, inputs, expected, tmp_path):
    store = _fresh(cached_store, tmp_path)
    started = time.perf_counter()
    done = subprocess.run(
        [*WORKER, str(store), str(inputs), "--no-mine"], capture_output=True, text=True
    )
    took = time.perf_counter() - started
    # The worker makes loading the model an error, so success proves it was never needed.
    assert done.returncode == 0, done.stderr
    assert f"added {N_ARTICLES} embedded 0" in done.stdout
    print(f"\ncached worker: {N_ARTICLES} articles in {took:.2f}s without the model")
    assert _verify_consistent(store, expected, 2) == N_ARTICLES


def test_sigkill_at_random_moments_loses_nothing_committed(
    cached_store, inputs, expected, tmp_path
):
    """SIGKILL `index` at random moments; the store always opens, holds whole batches only,
    passes the health check, and indexing again finishes the job without the model."""
    rng = random.Random(20240101)
    # One full run measures how long a worker lives, so kills spread over all of it.
    probe = _fresh(cached_store, tmp_path, "probe")
    t0 = time.perf_counter()
    subprocess.run([*WORKER, str(probe), str(inputs), "--no-mine"], check=True)
    full = time.perf_counter() - t0
    per_batch = full / (N_ARTICLES // 2)
    outcomes = []
    # The last trials also mine templates, so kills land in that transaction too.
    kills = {False: 0, True: 0}
    for trial in itertools.count():
        mine = kills[False] >= CRASH_TRIALS
        if kills[True] >= MINING_TRIALS or trial >= 2 * (CRASH_TRIALS + MINING_TRIALS):
            break
        store = _fresh(cached_store, tmp_path, f"crash{trial}")
        proc = subprocess.Popen(
            [*WORKER, str(store), str(inputs), *([] if mine else ["--no-mine"])],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        head = b""
        assert proc.stdout is not None
        if mine:  # wait for indexing to end, then kill during mining
            for line in proc.stdout:
                head += line
                if line.startswith(b"added"):
                    break
            time.sleep(rng.uniform(0.0, 1.0))
        else:  # after a random number of batches, at a random moment within the next one
            target = rng.randrange(N_ARTICLES // 2)
            for _ in range(target):
                head += proc.stdout.readline()
            time.sleep(rng.uniform(0.0, per_batch) if target else rng.uniform(0.1, 1.0))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        kills[mine] += proc.returncode == -signal.SIGKILL
        batches = (head + out).decode().count("batch ")
        n = _verify_consistent(store, expected, 2)
        assert n >= 2 * batches  # every batch reported done is kept
        outcomes.append((batches, n, proc.returncode))
        with Corpus.open(store) as corpus:  # indexing again finishes the job
            corpus.add([inputs], batch_size=2)
            assert corpus._embedder is None, "resuming must not need the model"
            if mine:
                assert corpus.templates()  # mining again works after a kill mid-mining
        assert _verify_consistent(store, expected, 2) == N_ARTICLES
        assert check_store(store).issues == ()
        shutil.rmtree(store)
    mid = sum(0 < n < N_ARTICLES for _, n, _ in outcomes)
    print(f"\n{kills} kills, full run {full:.2f}s; (batches seen, kept, rc): {outcomes}")
    assert kills == {False: CRASH_TRIALS, True: MINING_TRIALS}, outcomes
    assert mid >= CRASH_TRIALS // 2, f"too few kills landed mid-run: {outcomes}"


# ------------------------------------------------------------------------------ concurrency


def _index_cmd(store: Path, inputs: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "protocol_match", "--store", str(store), "index", str(inputs),
            "--no-mine", *extra]  # fmt: skip


def test_second_writer_fails_with_no_wait_and_waits_otherwise(
    cached_store, inputs, expected, tmp_path
):
    store = _fresh(cached_store, tmp_path)
    with Store.open(store) as held, held.write_lock():
        refused = subprocess.run(
            _index_cmd(store, inputs, "--no-wait"), capture_output=True, text=True, timeout=60
        )
        waiting = subprocess.Popen(
            _index_cmd(store, inputs), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        time.sleep(2.5)
        assert waiting.poll() is None, "the second writer should wait for the lock"
        with Store.open(store) as peek:
            assert peek.count("article") == 0
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "Another protocol-match process is writing" in lines[0]
    _, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, err
    assert _verify_consistent(store, expected, 2) == N_ARTICLES


def test_lock_error_in_the_library(cached_store, tmp_path):
    store = _fresh(cached_store, tmp_path)
    with Store.open(store) as a, Store.open(store) as b, a.write_lock():
        with pytest.raises(StoreLockedError, match="Another protocol-match process"):
            with b.write_lock(wait=False):
                pass


def test_two_writers_at_once_both_finish(cached_store, inputs, expected, tmp_path):
    store = _fresh(cached_store, tmp_path)
    half = [tmp_path / "a", tmp_path / "b"]
    for i, f in enumerate(sorted(inputs.iterdir())):
        half[i % 2].mkdir(exist_ok=True)
        shutil.copy(f, half[i % 2])
    procs = [
        subprocess.Popen([*WORKER, str(store), str(h), "--no-mine"], stderr=subprocess.PIPE)
        for h in half
    ]
    for p in procs:
        assert p.wait(timeout=60) == 0, p.stderr.read().decode() if p.stderr else ""
    report = check_store(store, deep=True)
    assert report.healthy and report.issues == ()
    with Store.open(store) as st:
        assert sorted(r[1] for r in st.article_table()) == sorted(e[0] for e in expected)
        for level in LEVELS:
            assert len(st.index(level)) == st.count(level)


def test_reader_sees_consistent_snapshots_during_index(cached_store, inputs, expected, tmp_path):
    """While a writer commits batch after batch, every read transaction sees whole batches."""
    store = _fresh(cached_store, tmp_path)
    per_article = {e[0]: e[1] + e[2] for e in expected}
    proc = subprocess.Popen(
        [*WORKER, str(store), str(inputs), "--delay", "0.05", "--no-mine"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    seen: set[int] = set()
    conn = sqlite3.connect(store / "store.sqlite", isolation_level=None)
    try:
        while proc.poll() is None:
            conn.execute("BEGIN")  # one snapshot for all three reads (WAL)
            ids = [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY rowid")]
            n_pass = conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
            missing = conn.execute(
                "SELECT COUNT(*) FROM passages p LEFT JOIN vectors v ON v.key = p.key "
                "WHERE v.key IS NULL"
            ).fetchone()[0]
            conn.execute("COMMIT")
            assert len(ids) % 2 == 0
            assert n_pass == sum(per_article[i] for i in ids)
            assert missing == 0
            seen.add(len(ids))
            time.sleep(0.01)
    finally:
        conn.close()
    assert proc.returncode == 0
    assert len(seen) >= 5, f"reads should have seen the store grow: {sorted(seen)}"


def test_compare_during_index_does_not_wait_for_the_writer(
    cached_store, inputs, embedder, tmp_path
):
    store = _fresh(cached_store, tmp_path)
    with Corpus.open(store) as corpus:
        corpus.add(sorted(inputs.iterdir())[:4])
        corpus.templates()
    proc = subprocess.Popen(
        [*WORKER, str(store), str(inputs), "--delay", "0.3", "--no-mine"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        for _ in range(3):  # batches 1-2 are the 4 stored articles; 3 commits new ones
            proc.stdout.readline()
        with Corpus.open(store) as corpus:
            corpus._embedder = embedder
            report = corpus.compare(SEED_000)
            still_running = proc.poll() is None
        assert report.sentences
        assert still_running, "compare waited for the indexer to finish"
    finally:
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()[-2000:]


def test_damaged_sqlite_pages_give_one_line_errors_in_every_command(healthy, runner):
    db = healthy / "store.sqlite"
    data = bytearray(db.read_bytes())
    for page in range(3, len(data) // 4096 - 1):
        data[page * 4096 + 100 : page * 4096 + 400] = os.urandom(300)
    db.write_bytes(bytes(data))
    failed = 0
    for args in (["stats"], ["templates"], ["duplicates"], ["compare", str(SEED_000)]):
        result = runner.invoke(cli, ["--store", str(healthy), *args])
        # A command that never reads a damaged page may succeed; none may crash.
        assert result.exit_code in (0, 1) and not isinstance(result.exception, Exception), args
        if result.exit_code == 1:
            failed += 1
            lines = result.output.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("Error:"), (args, result.output)
    assert failed >= 1
    assert runner.invoke(cli, ["check", "--store", str(healthy)]).exit_code == 1


# ------------------------------------------------------------------------------ corruption


@pytest.fixture
def healthy(cached_store, inputs, tmp_path) -> Path:
    """A store with all input articles and their indexes (built without the model)."""
    store = _fresh(cached_store, tmp_path)
    with Corpus.open(store) as corpus:
        corpus.add([inputs])
        assert corpus._embedder is None
    return store


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _no_model(monkeypatch) -> None:
    """Make any attempt to load the model fail the test."""
    import protocol_match.corpus._corpus as corpus_mod

    def forbidden(*_a: object, **_k: object) -> None:
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(corpus_mod, "load_embedder", forbidden)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_damaged_faiss_file_is_detected_and_rebuilt(healthy, runner, monkeypatch, caplog, damage):
    _no_model(monkeypatch)
    f = healthy / "index-sentence.faiss"
    data = f.read_bytes()
    f.write_bytes({"truncate": data[: len(data) // 3], "garbage": os.urandom(len(data)),
                   "empty": b""}[damage])  # fmt: skip
    result = runner.invoke(cli, ["check", "--store", str(healthy)])
    assert result.exit_code == 1
    assert "ERROR" in result.output and str(f) in result.output
    # Using the store rebuilds it by itself, naming the file in a warning.
    with Store.open(healthy) as st:
        assert len(st.index("sentence")) == st.count("sentence")
    assert any(str(f) in r.getMessage() for r in caplog.records)
    f.write_bytes(data[:100])
    started = time.perf_counter()
    result = runner.invoke(cli, ["rebuild", "--store", str(healthy)])
    took = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert "Rebuilt indexes" in result.output
    assert runner.invoke(cli, ["check", "--store", str(healthy)]).exit_code == 0
    assert took < 5.0


def test_damaged_sqlite_gives_a_store_error_naming_the_file(healthy, runner):
    db = healthy / "store.sqlite"
    data = bytearray(db.read_bytes())
    data[:100] = os.urandom(100)  # the header: SQLite refuses the file
    db.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=str(db).replace(".", r"\.")):
        Store.open(healthy)
    result = runner.invoke(cli, ["check", "--store", str(healthy)])
    assert result.exit_code == 1
    assert result.output.startswith("Error:") and str(db) in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_damaged_sqlite_pages_are_found_by_check(healthy, runner):
    db = healthy / "store.sqlite"
    data = bytearray(db.read_bytes())
    for page in range(3, len(data) // 4096 - 1):  # scribble over b-tree pages, keep page 1
        data[page * 4096 + 100 : page * 4096 + 400] = os.urandom(300)
    db.write_bytes(bytes(data))
    result = runner.invoke(cli, ["check", "--store", str(healthy)])
    assert result.exit_code == 1
    assert str(db) in result.output and "integrity" in result.output
    with pytest.raises(StoreError, match="cannot be rebuilt in place"):
        rebuild_store(healthy)


def test_missing_vector_is_reported_and_rebuild_removes_only_its_articles(
    healthy, runner, monkeypatch
):
    _no_model(monkeypatch)
    conn = sqlite3.connect(healthy / "store.sqlite")
    with conn:  # the sentence used by the fewest articles loses its vector
        key = conn.execute(
            "SELECT key FROM passages WHERE level = 'sentence' GROUP BY key "
            "ORDER BY COUNT(DISTINCT article), key LIMIT 1"
        ).fetchone()[0]
        hit = {
            r[0]
            for r in conn.execute(
                "SELECT a.id FROM passages p JOIN articles a ON a.rowid = p.article "
                "WHERE p.key = ?",
                (key,),
            )
        }
        conn.execute("DELETE FROM vectors WHERE key = ?", (key,))
    conn.close()
    assert 0 < len(hit) < N_ARTICLES
    result = runner.invoke(cli, ["check", "--store", str(healthy)])
    assert result.exit_code == 1
    assert "without a stored vector" in result.output
    assert any(aid in result.output for aid in hit)
    result = runner.invoke(cli, ["rebuild", "--store", str(healthy)])
    assert result.exit_code == 0, result.output
    assert f"Removed {len(hit)} articles" in result.output
    report = check_store(healthy, deep=True)
    assert report.healthy and report.articles == N_ARTICLES - len(hit)
    with Store.open(healthy) as st:
        assert st.existing_ids(hit) == set()
        for level in LEVELS:
            assert len(st.index(level)) == st.count(level)


def test_missing_vector_re_embedded_with_the_model(healthy, embedder):
    conn = sqlite3.connect(healthy / "store.sqlite")
    with conn:
        key = conn.execute("SELECT key FROM passages LIMIT 1").fetchone()[0]
        conn.execute("DELETE FROM vectors WHERE key = ?", (key,))
        conn.execute("DELETE FROM vectors WHERE key LIKE 'doc:%'")  # article vectors too
    conn.close()
    done = rebuild_store(healthy, embedder=embedder)
    assert done.embedded == 1 and done.removed_articles == ()
    assert done.doc_vectors == N_ARTICLES  # recomputed from paragraph vectors, no model
    assert check_store(healthy, deep=True).issues == ()


def test_newer_format_version_is_refused(healthy, runner):
    conn = sqlite3.connect(healthy / "store.sqlite")
    with conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    conn.close()
    with pytest.raises(StoreError, match="format version 99, newer"):
        Store.open(healthy)
    result = runner.invoke(cli, ["stats", "--store", str(healthy)])
    assert result.exit_code == 1 and "newer" in result.output


def test_stale_index_after_crash_is_a_warning_and_repairs_itself(healthy, paragraphs, runner):
    """A crash between a commit and the index write leaves an index one batch behind."""
    idx = healthy / "index-paragraph.faiss"
    old = idx.read_bytes()
    with Corpus.open(healthy) as corpus:
        assert corpus.add(["\n\n".join(paragraphs[:5])]).added == 1
        assert corpus._embedder is None
    idx.write_bytes(old)
    result = runner.invoke(cli, ["check", "--store", str(healthy)])
    assert result.exit_code == 0, result.output
    assert "WARNING" in result.output and "interrupted" in result.output
    with Store.open(healthy) as st:
        assert len(st.index("paragraph")) == st.count("paragraph")
    assert check_store(healthy).issues == ()


def test_store_path_that_is_a_file(tmp_path, runner):
    f = tmp_path / "store"
    f.write_text("not a store")
    for args in (["check"], ["rebuild"], ["stats"]):
        result = runner.invoke(cli, [*args, "--store", str(f)])
        assert result.exit_code == 1
        assert "is a file, not a directory" in result.output


def test_missing_store(tmp_path, runner):
    result = runner.invoke(cli, ["check", "--store", str(tmp_path / "none")])
    assert result.exit_code == 1 and "No store at" in result.output


# ------------------------------------------------------------------------------ safety


def test_no_unsafe_deserialization_in_sources():
    src = ROOT / "src" / "protocol_match"
    needles = re.compile(
        r"import pickle|pickle\.loads?\(|allow_pickle\s*=\s*True|marshal\.loads?\("
        r"|torch\.load\(|yaml\.load\(|(?<![\w.])eval\(|(?<![\w.])exec\("
    )
    bad = []
    for f in src.rglob("*.py"):
        for line in f.read_text(encoding="utf-8").splitlines():
            if needles.search(line.split("#", 1)[0]):
                bad.append(f"{f.name}: {line.strip()}")
    assert bad == []


def test_out_is_written_atomically_and_only_where_named(tmp_path):
    from protocol_match.cli._common import write_output as _write

    out = tmp_path / "report.json"
    out.write_text("old")
    _write('{"new": true}', out)
    assert out.read_text() == '{"new": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temp left
    with pytest.raises(ValueError, match="is a directory"):
        _write("x", tmp_path)
    with pytest.raises(OSError):
        _write("x", tmp_path / "missing-dir" / "r.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    assert out.read_text() == '{"new": true}'


def test_every_cli_command_has_help_including_health(runner):
    for cmd in ("check", "rebuild"):
        result = runner.invoke(cli, [cmd, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output
