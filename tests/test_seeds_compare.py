"""The user's acceptance test: seed 003 compared against a store holding seed 000."""

from __future__ import annotations

import pytest

from protocol_match.records import CompareReport, PassageResult

from .conftest import SEED_003


@pytest.fixture(scope="module")
def report(store_000, embedder) -> CompareReport:
    from protocol_match.corpus import Corpus

    with Corpus.open(store_000) as corpus:
        corpus._embedder = embedder
        return corpus.compare(SEED_003, min_support=2)


def _sentence(report: CompareReport, fragment: str) -> PassageResult:
    found = [s for s in report.sentences if fragment in s.passage.text]
    assert len(found) == 1, f"expected one sentence containing {fragment!r}"
    return found[0]


@pytest.mark.parametrize(
    ("fragment", "source_fragment"),
    [
        ("visited the graves of the National Leader", "visited the graves of the National Leader"),
        ("laid wreaths and flowers", "laid wreaths and flowers"),
        ("welcomed the guests and expressed his satisfaction", "welcomed the guests"),
        ("strategic alliance between the two fraternal", "strategic alliance is based on friendly"),
        (
            "military, military-technical, and other fields",
            "military, military-technical cooperation",
        ),
    ],
)
def test_shared_formulas_are_matched_to_the_right_passage(report, fragment, source_fragment):
    result = _sentence(report, fragment)
    assert result.status in ("template", "reused")
    assert result.novelty < 0.5
    best = result.matches[0]
    assert source_fragment in best.text
    assert best.article_id != report.article.id
    if result.status == "reused":
        assert result.source_article == best.article_id


def test_grave_visit_paragraph_matches_as_a_whole(report):
    para = next(p for p in report.paragraphs if "Alley of Honour" in p.passage.text)
    assert para.status in ("template", "reused")
    assert "Alley of Honor" in para.matches[0].text


@pytest.mark.parametrize(
    "fragment",
    ["prayed to Almighty Allah for the repose of their souls", "Cahit Bağcı"],
)
def test_new_facts_are_novel(report, fragment):
    result = _sentence(report, fragment)
    assert result.status == "novel"
    assert result.novelty > 0.5


def test_article_novelty_is_partial_and_counts_add_up(report):
    assert 0.0 < report.novelty < 1.0
    assert sum(report.counts.values()) == len(report.sentences)
    assert report.nearest and report.nearest[0].similarity > 0.5


def test_novel_spans_point_into_the_article(report):
    text = report.article.text
    spans = [sp for s in report.sentences for sp in s.novel_spans]
    assert spans, "matched sentences with new names should have novel spans"
    for sp in spans:
        assert text[sp.start : sp.end] == sp.text
    welcome = _sentence(report, "welcomed the guests")
    # The rank and the name are one slot fill ("Colonel General Z. Hasanov").
    assert any("Z. Hasanov" in sp.text for sp in welcome.novel_spans)


def test_report_serializes(report):
    data = report.to_dict()
    assert data["article"]["id"] == report.article.id
    assert {s["status"] for s in data["sentences"]} <= {"template", "reused", "novel"}
