"""The CLI: CliRunner for behaviour, a real subprocess for the installed entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from protocol_match.cli import cli

from .conftest import SEED_000, SEED_003


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _store_counts(path) -> tuple:
    from protocol_match.store import Store

    with Store.open(path) as st:
        return st.count("article"), st.count("paragraph"), st.count("sentence")


def test_help_lists_commands(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for cmd in ("index", "compare", "templates", "similar", "duplicates", "stats"):
        assert cmd in result.output
    for cmd in ("index", "compare", "templates", "similar", "duplicates", "stats"):
        sub = runner.invoke(cli, [cmd, "--help"])
        assert sub.exit_code == 0 and "Usage:" in sub.output


def test_backend_choices_are_the_embed_backends():
    from protocol_match.cli._common import BACKEND_CHOICE
    from protocol_match.embed import BACKENDS

    assert tuple(BACKEND_CHOICE.choices) == BACKENDS


def test_compare_json_schema(runner, store_000):
    result = runner.invoke(
        cli,
        [
            "--store",
            str(store_000),
            "compare",
            str(SEED_003),
            "--format",
            "json",
            "--min-support",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema"] == "protocol_match.compare/1"
    assert 0 < data["novelty"] < 1
    sent = data["sentences"][0]
    assert {"passage", "status", "novelty", "matches", "novel_spans"} <= set(sent)
    assert {"start", "end", "text", "level"} <= set(sent["passage"])


def test_compare_table_from_stdin(runner, store_000):
    text = SEED_003.read_text(encoding="utf-8")
    result = runner.invoke(cli, ["--store", str(store_000), "compare", "-"], input=text)
    assert result.exit_code == 0, result.output
    assert "Novelty" in result.output and "novel" in result.output


def test_compare_writes_out_file(runner, store_000, tmp_path):
    out = tmp_path / "report.json"
    result = runner.invoke(
        cli,
        [
            "--store",
            str(store_000),
            "compare",
            str(SEED_003),
            "--format",
            "json",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["article"]["date"] == "2024-01-17"


def test_stats_and_similar(runner, store_000):
    stats = runner.invoke(cli, ["--store", str(store_000), "stats", "--format", "json"])
    assert stats.exit_code == 0
    assert json.loads(stats.stdout)["articles"] == 1
    sim = runner.invoke(
        cli,
        [
            "--store",
            str(store_000),
            "similar",
            "laid wreaths and flowers",
            "-k",
            "2",
            "--format",
            "json",
        ],
    )
    assert sim.exit_code == 0
    assert len(json.loads(sim.stdout)["items"]) == 2


def test_index_twice_reports_nothing_new(runner, store_copy):
    result = runner.invoke(cli, ["--store", str(store_copy), "index", str(SEED_000)])
    assert result.exit_code == 0
    assert "Nothing new" in result.output


def _bad_inputs(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n\n")
    binary = tmp_path / "image.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\xe9 in Bak\xfc, the minister said.".encode("latin-1"))
    csv = tmp_path / "articles.csv"
    csv.write_text("id,body\n1,Some text here.\n")
    return {
        "empty": (empty, "empty"),
        "binary": (binary, "binary"),
        "non-utf8": (latin, "--encoding"),
        "csv-no-text-column": (csv, "--text-column"),
        "missing": (tmp_path / "nope.txt", "No such file"),
    }


@pytest.mark.parametrize("case", ["empty", "binary", "non-utf8", "csv-no-text-column", "missing"])
def test_bad_input_fails_clearly_and_keeps_store(runner, store_copy, tmp_path, case):
    path, hint = _bad_inputs(tmp_path)[case]
    before = _store_counts(store_copy)
    result = runner.invoke(cli, ["--store", str(store_copy), "index", str(path)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    err_lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(err_lines) == 1 and err_lines[0].startswith("Error:")
    assert hint in err_lines[0]
    assert _store_counts(store_copy) == before


def test_compare_without_store_says_what_to_do(runner, tmp_path):
    result = runner.invoke(cli, ["--store", str(tmp_path / "none"), "compare", str(SEED_003)])
    assert result.exit_code == 1
    assert "protocol-match index" in result.stderr


def test_real_subprocess_index_and_compare(tmp_path):
    store = tmp_path / "store"
    env = {**os.environ, "PROTOCOL_MATCH_STORE": str(store), "HF_HUB_OFFLINE": "1"}
    exe = [sys.executable, "-m", "protocol_match"]
    idx = subprocess.run(
        [*exe, "index", str(SEED_000), str(SEED_003), "--min-support", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert idx.returncode == 0, idx.stderr
    assert "Added 2 articles" in idx.stderr
    assert "LOAD REPORT" not in idx.stderr + idx.stdout
    cmp = subprocess.run(
        [*exe, "compare", str(SEED_003), "--format", "json", "--min-support", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert cmp.returncode == 0, cmp.stderr
    data = json.loads(cmp.stdout)
    statuses = {s["status"] for s in data["sentences"]}
    assert "novel" in statuses and statuses & {"template", "reused"}
    bad = subprocess.run(
        [*exe, "compare", str(tmp_path / "missing.txt")], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 1
    assert bad.stderr.startswith("Error:") and "Traceback" not in bad.stderr
