"""Teaching: labels in the store, the learned model in compare, template verdicts, review."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from protocol_match.cli import cli
from protocol_match.corpus import Corpus
from protocol_match.errors import InputError
from protocol_match.learn import (
    Label,
    load_curations,
    load_labels,
    parse_label_lines,
    propose,
    save_curation,
    save_labels,
)
from protocol_match.learn import _model as learn
from protocol_match.synth import generate_corpus

from .conftest import SEED_000, SEED_003

TEMPLATED = ("formula", "chrome")


# ----------------------------------------------------------------- label files


@pytest.mark.parametrize(
    ("lines", "line_no", "what"),
    [
        (['{"text": "a", "label": "boilerplate"}', '{"text": "b", "label": "maybe"}'], 2, "label"),
        (['{"label": "content"}'], 1, "text"),
        (['{"text": "a", "label": "content"}', "", "{not json"], 3, "JSON"),
        (['["text", "content"]'], 1, "object"),
        (['{"text": "a", "label": "?"}'], 1, "fill in"),
        (['{"text": "a", "label": "content", "article_id": 7}'], 1, "article_id"),
    ],
)
def test_bad_label_lines_name_the_line(lines: list[str], line_no: int, what: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_label_lines(lines, "f.jsonl")
    msg = str(exc.value)
    assert f"f.jsonl, line {line_no}" in msg and what in msg and "nothing was imported" in msg


def test_label_lines_parse_optional_fields() -> None:
    labs = parse_label_lines(
        [
            '{"text": " x y ", "label": "content"}',
            '{"text": "z", "label": "boilerplate", "template": "wreaths", "article_id": "a1"}',
        ]
    )
    assert labs == [Label("x y", "content"), Label("z", "boilerplate", "wreaths", "a1")]


# ----------------------------------------------------------------- store round trip (seeds)


def _seed_sentences(store) -> list[str]:  # noqa: ANN001
    with Corpus.open(store) as corpus:
        _, _, texts = corpus.store.level_texts("sentence")
    return texts


def test_labels_round_trip_through_cli_and_survive_reindexing(store_copy, tmp_path, embedder):
    texts = _seed_sentences(store_copy)
    labels = [
        {"text": texts[0], "label": "content", "article_id": "x"},
        {"text": texts[1], "label": "boilerplate", "template": "grave visit"},
        {"text": texts[2], "label": "content"},
    ]
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in labels) + "\n", encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(cli, ["--store", str(store_copy), "teach", str(path)])
    assert res.exit_code == 0, res.output
    assert "Imported 3 labels (1 boilerplate, 2 content)" in res.output
    assert "too few to fit a model" in res.output

    out = tmp_path / "export.jsonl"
    res = runner.invoke(cli, ["--store", str(store_copy), "teach", "--export", str(out)])
    assert res.exit_code == 0, res.output
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert exported == labels

    # Re-indexing and re-mining leave the labels alone.
    with Corpus.open(store_copy) as corpus:
        corpus._embedder = embedder
        corpus.add([SEED_003])
        corpus.templates(min_support=2, refresh=True)
        assert [lab.to_dict() for lab in load_labels(corpus.store)] == labels


def test_bad_label_file_changes_nothing(store_copy, tmp_path) -> None:
    texts = _seed_sentences(store_copy)
    good = json.dumps({"text": texts[0], "label": "content"})
    path = tmp_path / "bad.jsonl"
    path.write_text(f'{good}\n{good}\n{{"text": "x", "label": "novel"}}\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["--store", str(store_copy), "teach", str(path)])
    assert res.exit_code == 1
    assert "line 3" in res.output and "nothing was imported" in res.output
    with Corpus.open(store_copy) as corpus:
        assert load_labels(corpus.store) == []


# ----------------------------------------------------------------- a small generated beat


@pytest.fixture(scope="module")
def beat(tmp_path_factory, static_embedder):
    """(store path, synth corpus, corpus articles, query articles) of a small generated beat."""
    synth = generate_corpus(40, seed=5)
    stories = sorted(set(synth.story_of.values()))
    held = set(stories[::6])
    corpus_arts = [a for a in synth.articles if synth.story_of[a.id] not in held]
    queries, seen = [], set()
    for a in synth.articles:
        st = synth.story_of[a.id]
        if st in held and st not in seen:
            seen.add(st)
            queries.append(a)
    path = tmp_path_factory.mktemp("beat") / "store"
    corpus = Corpus.open(path, create=True, backend="static")  # the default backend
    corpus._embedder = static_embedder
    corpus.add(corpus_arts)
    corpus.templates()
    corpus.close()
    return path, synth, corpus_arts, queries


@pytest.fixture
def beat_copy(beat, tmp_path, static_embedder):
    path, synth, corpus_arts, queries = beat
    dest = tmp_path / "store"
    shutil.copytree(path, dest)
    corpus = Corpus.open(dest)
    corpus._embedder = static_embedder
    yield corpus, synth, corpus_arts, queries
    corpus.close()


def _truth_labels(synth, articles) -> list[Label]:  # noqa: ANN001
    out = []
    for a in articles:
        for lab in synth.labels_for(a.id):
            kind = "boilerplate" if lab.kind in TEMPLATED else "content"
            out.append(Label(a.text[lab.start : lab.end], kind, lab.family, a.id))
    return out


def _statuses(report) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(r.passage.text, r.status) for r in report.sentences]


def test_no_labels_keeps_the_unsupervised_report(beat_copy) -> None:
    corpus, _, _, queries = beat_copy
    before = [corpus.compare(q).to_dict() for q in queries[:2]]
    with learn.explaining(corpus):  # computing explanations changes no verdict
        explained = [corpus.compare(q).to_dict() for q in queries[:2]]
    notes = learn.last_explanations(corpus, queries[1].id)
    assert notes and all(e.probability is None for e in notes.values())
    # Labels taught and then removed: the tables exist but are empty.
    save_labels(corpus.store, [Label("anything at all here", "content")])
    corpus.store._conn.execute("DELETE FROM labels")
    corpus.store._conn.commit()
    after = [corpus.compare(q).to_dict() for q in queries[:2]]
    assert explained == before
    assert after == before


def test_teaching_fixes_more_verdicts_than_it_breaks(beat_copy) -> None:
    corpus, synth, corpus_arts, queries = beat_copy
    before = {q.id: corpus.compare(q) for q in queries}
    save_labels(corpus.store, _truth_labels(synth, corpus_arts[:25]))
    state = learn._prepare(corpus)
    assert state.model is not None
    fixed, broken = 0, 0
    for q in queries:
        after = corpus.compare(q)
        truth = {
            q.text[lab.start : lab.end]: lab.kind in TEMPLATED for lab in synth.labels_for(q.id)
        }
        for (text, old), (_, new) in zip(_statuses(before[q.id]), _statuses(after), strict=True):
            if text not in truth or (old == "template") == (new == "template"):
                continue
            right = (new == "template") == truth[text]
            fixed += right
            broken += not right
    assert fixed >= 1
    assert broken < fixed


def test_rejected_template_leaves_listing_and_reports(beat_copy) -> None:
    corpus, _, _, queries = beat_copy
    reports = {q.id: corpus.compare(q) for q in queries}
    used = [u.template_id for rep in reports.values() for u in rep.templates]
    assert used, "no query uses a mined template"
    tid = used[0]
    users = [q for q in queries if tid in {u.template_id for u in reports[q.id].templates}]
    target = next(t for t in corpus.templates() if t.id == tid)
    res = CliRunner().invoke(
        cli, ["--store", str(corpus.store.path), "templates", "reject", f"T{tid}"]
    )
    assert res.exit_code == 0, res.output
    assert [c.action for c in load_curations(corpus.store)] == ["reject"]
    corpus._template_cache = None
    for refresh in (False, True):  # and after mining again (ids may change)
        listed = corpus.templates(refresh=refresh)
        assert target.text not in [t.text for t in listed]
        ids = {t.id for t in corpus._load_templates()[0] if t.text == target.text}
        for q in users[:2]:
            rep = corpus.compare(q)
            assert not ids & {u.template_id for u in rep.templates}
            assert not ids & {r.template_id for r in rep.passages}


def test_confirmed_template_is_kept_below_support_and_named(beat_copy) -> None:
    corpus, _, _, _ = beat_copy
    target = corpus.templates()[0]
    save_curation(corpus.store, target.text, target.level, action="confirm", name="lead")
    kept = corpus.templates(min_support=40)  # far above any support: nothing mined
    assert [t.text for t in kept] == [target.text]
    res = CliRunner().invoke(
        cli, ["--store", str(corpus.store.path), "templates", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    names = [i.get("name") for i in json.loads(res.output)["items"]]
    assert "lead" in names


def test_review_proposes_uncovered_templates_and_writes_jsonl(beat_copy, tmp_path) -> None:
    corpus, _, _, _ = beat_copy
    items = propose(corpus, 6, pool=80)
    assert 1 <= len(items) <= 6
    assert any(i.template for i in items) and any(not i.template for i in items)
    out = tmp_path / "review.jsonl"
    res = CliRunner().invoke(
        cli, ["--store", str(corpus.store.path), "review", "--n", "4", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 4 and all(r["label"] == "?" for r in rows)
    # Unfilled, the file is refused with its first line named.
    with pytest.raises(InputError, match="line 1"):
        parse_label_lines(out.read_text(encoding="utf-8").splitlines())


def test_compare_explain_json_has_explanations(beat_copy, tmp_path) -> None:
    corpus, synth, corpus_arts, queries = beat_copy
    save_labels(corpus.store, _truth_labels(synth, corpus_arts[:12]))
    q = tmp_path / "q.txt"
    q.write_text(queries[0].text, encoding="utf-8")
    res = CliRunner().invoke(
        cli,
        ["--store", str(corpus.store.path), "compare", str(q), "--format", "json", "--explain"],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    expl = [s["explanation"] for s in doc["sentences"]]
    assert all(e is not None for e in expl)
    assert all(0.0 <= e["probability"] <= 1.0 for e in expl)
    assert any(e["nearest_boilerplate"] for e in expl)
    assert set(expl[0]["features"]) == set(learn.FEATURES)
    res = CliRunner().invoke(
        cli, ["--store", str(corpus.store.path), "compare", str(q), "--explain"]
    )
    assert res.exit_code == 0, res.output
    assert "Why" in res.output and "p=" in res.output


def test_seed_label_without_article_does_not_find_itself(corpus_000) -> None:
    """A labelled text that sits in the corpus is scored against the other articles only."""
    texts = _seed_sentences(corpus_000.store.path)
    ctx = learn._base_context(corpus_000)
    lab = Label(texts[3], "content")
    cands = learn._label_candidates(
        corpus_000, "sentence", learn.label_vectors(corpus_000, [lab.text]), [lab], ctx
    )
    assert all(c.text != texts[3] for c in cands[0])
    assert SEED_000.exists()
