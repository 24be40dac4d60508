"""Corpus end to end with the real model and FAISS: incremental adds, model checks, library API."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from protocol_match import Corpus, novelty_scores
from protocol_match.errors import InputError, ModelMismatchError, StoreNotFoundError
from protocol_match.ingest import parse_txt

from .conftest import SEED_000, SEED_003


def _snapshot(corpus: Corpus) -> tuple:
    st = corpus.stats()
    return (st.articles, st.paragraphs, st.sentences, st.vectors)


def test_reindexing_the_same_article_adds_nothing(store_copy, embedder):
    with Corpus.open(store_copy) as corpus:
        corpus._embedder = embedder
        before = _snapshot(corpus)
        result = corpus.add([SEED_000])
        assert result.added == 0
        assert result.skipped == 1
        assert result.embedded == 0
        assert _snapshot(corpus) == before


def test_adding_a_second_article_extends_store_and_indexes(store_copy, embedder):
    with Corpus.open(store_copy) as corpus:
        corpus._embedder = embedder
        result = corpus.add([SEED_003])
        assert result.added == 1
        # Both seeds share "The guests laid wreaths ... memory." up to spelling only: new
        # texts are embedded, identical ones come from the cache.
        assert result.embedded > 0
        st = corpus.stats()
        assert st.articles == 2
        for level in ("paragraph", "sentence", "article"):
            assert len(corpus.store.index(level)) == corpus.store.count(level)


def test_faiss_neighbours_match_brute_force(corpus_000, embedder):
    from protocol_match.store import exact_search

    ids, vecs = corpus_000.store.level_vectors("sentence")
    queries = embedder.encode(["The guests laid wreaths and flowers.", "Military cooperation."])
    sims, found = corpus_000.store.index("sentence").search(queries, 5)
    ref_sims, ref_ids = exact_search(vecs, ids, queries, 5)
    np.testing.assert_array_equal(found, ref_ids)
    np.testing.assert_allclose(sims, ref_sims, atol=1e-5)


def test_a_different_model_is_refused(store_copy, tmp_path):
    from protocol_match.embed import bundled_model_path

    other = tmp_path / "other-model"
    shutil.copytree(bundled_model_path(), other)
    cfg = other / "config_sentence_transformers.json"
    cfg.write_text(cfg.read_text() + "\n")  # different files -> different fingerprint
    with pytest.raises(ModelMismatchError, match="built with model"):
        Corpus.open(store_copy, model=other)


def test_open_missing_store_says_how_to_create_it(tmp_path):
    with pytest.raises(StoreNotFoundError, match="protocol-match index"):
        Corpus.open(tmp_path / "nowhere")


def test_compare_a_stored_article_never_matches_itself(store_copy, embedder):
    with Corpus.open(store_copy) as corpus:
        corpus._embedder = embedder
        corpus.add([SEED_003])
        report = corpus.compare(SEED_003, min_support=2)
        own = report.article.id
        assert all(m.article_id != own for r in report.passages for m in r.matches)
        assert all(a.article_id != own for a in report.nearest)


def test_compare_accepts_text_and_articles(corpus_000):
    text = SEED_003.read_text(encoding="utf-8")
    from_text = corpus_000.compare(text, min_support=2)
    from_article = corpus_000.compare(parse_txt(text), min_support=2)
    assert from_text.novelty == from_article.novelty
    assert from_text.article.date == "2024-01-17"


def test_novelty_scores_one_per_paragraph(corpus_000):
    scores = novelty_scores(SEED_003, corpus_000)
    report = corpus_000.compare(SEED_003)
    assert len(scores) == len(report.paragraphs)
    assert all(0.0 <= s <= 1.0 for s in scores)
    # Novelty is 1 - p(boilerplate): the shared formulas near 0, the new facts well above.
    assert min(scores) < 0.2 < 0.7 < max(scores)


def test_compare_with_add_indexes_the_article(store_copy, embedder):
    with Corpus.open(store_copy) as corpus:
        corpus._embedder = embedder
        corpus.compare(SEED_003, add=True)
        assert corpus.stats().articles == 2


def test_templates_on_the_seeds(store_copy, embedder):
    with Corpus.open(store_copy) as corpus:
        corpus._embedder = embedder
        corpus.add([SEED_003])
        templates = corpus.templates(min_support=2)
        forms = " | ".join(t.slot_form for t in templates)
        assert "welcomed the guests and expressed his satisfaction" in forms
        assert "laid wreaths and flowers" in forms
        for t in templates:
            assert t.support >= 2
            assert t.first_seen == "2024-01-17" and t.last_seen == "2024-12-12"
            assert {m.article_id for m in t.members} and t.text in {m.text for m in t.members}
        # three stories are needed by default: two seeds are not enough
        assert corpus.templates(min_support=3) == []


def test_similar_returns_nearest_passages(corpus_000):
    matches = corpus_000.similar("The guests laid wreaths and honoured their memory.", k=3)
    assert len(matches) == 3
    assert "laid wreaths" in matches[0].text
    assert matches[0].similarity >= matches[-1].similarity


def test_duplicates_groups_a_lightly_edited_copy(store_copy, embedder):
    text = SEED_000.read_text(encoding="utf-8")
    copy = text.replace("Trend reports", "News.az reports").replace("Defense", "Defence")
    with Corpus.open(store_copy) as corpus:
        corpus._embedder = embedder
        corpus.add([SEED_003, parse_txt(copy, source="news.az")])
        groups = corpus.duplicates()
        assert len(groups) == 1
        assert len(groups[0].articles) == 2
        assert groups[0].pairs[0].score >= 0.8


def test_bad_input_leaves_store_unchanged(store_copy, embedder, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02binary")
    with Corpus.open(store_copy) as corpus:
        corpus._embedder = embedder
        before = _snapshot(corpus)
        with pytest.raises(InputError):
            corpus.add([bad])
        assert _snapshot(corpus) == before
