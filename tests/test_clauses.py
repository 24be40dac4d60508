"""Formula clauses glued to new facts (clauses.py) and their effect on a verdict."""

from __future__ import annotations

from protocol_match.judge import apply_clause
from protocol_match.mining import ClauseTable, best_hit, clause_key, edge_groups
from protocol_match.records import Passage, PassageResult

ATTR = "Trend reports via the Azerbaijani Defense Ministry"
FACTS = [
    "A total of 40 tanks took part in the drills near Ganja",
    "The guests visited the naval base in Baku on Monday",
    "Some 23 cadets will undergo an internship in Hungary",
    "A new military hospital with 90 beds will open in Shusha",
]
FRAME = "within the framework of military-technical cooperation, {} will open a service center"


def _table() -> ClauseTable:
    rows = [(f"a{i}", f"s{i}", f"{fact}, {ATTR}.") for i, fact in enumerate(FACTS)]
    companies = ["Araz Systems", "Iglim Aerospace", "Kaspi Shipyard"]
    rows += [
        (f"f{i}", f"t{i}", FRAME.format(c).capitalize() + ".") for i, c in enumerate(companies)
    ]
    return ClauseTable.build(rows)


def test_edge_groups_cut_at_commas_not_inside_numbers():
    text = "Some 23,492 hectares were cleared, Trend reports."
    groups = edge_groups(text)
    assert [(text[s:e]) for s, e, _, _ in groups] == [
        "Some 23,492 hectares were cleared",
        "Trend reports",
    ]
    assert edge_groups("No comma here.") == []


def test_clause_key_folds_numbers_and_names():
    assert clause_key("the Defense Ministry told Azernews") == clause_key(
        "the Defense Ministry told Qafqazinfo"
    )
    assert clause_key("in 2024") is None  # too short to be evidence


def test_attribution_clause_is_found_in_a_new_sentence():
    table = _table()
    text = f"The minister presented awards to 19 servicemen, {ATTR}."
    hit = best_hit(table.hits(text), min_support=3)
    assert hit is not None and text[hit.start : hit.end] == ATTR
    assert hit.stories == 4 and hit.detachable


def test_clause_of_a_recurring_frame_is_not_detachable():
    table = _table()
    text = FRAME.format("Baltic Defence").capitalize() + "."
    hits = table.hits(text)
    assert hits and not any(h.detachable for h in hits)
    assert best_hit(hits, min_support=3) is None


def test_apply_clause_turns_a_novel_sentence_into_template():
    text = f"The minister presented awards to 19 servicemen, {ATTR}."
    p = Passage("q", "sentence", 0, 0, 100, 100 + len(text), text)
    res = PassageResult(passage=p, status="novel", novelty=0.9)
    hit = best_hit(_table().hits(text), min_support=3)
    out = apply_clause(res, hit)
    assert out.status == "template"
    assert out.novelty < 0.9
    assert [sp.text for sp in out.novel_spans] == ["The minister presented awards to 19 servicemen"]
    assert out.novel_spans[0].start == 100
    assert apply_clause(res, None) is res


def test_reporting_verb_that_is_a_boundary():
    text = "He expressed gratitude for the hospitality and said that 40 tanks arrived."
    groups = [text[s:e] for s, e, _, _ in edge_groups(text)]
    assert groups == [
        "He expressed gratitude for the hospitality and said that",
        "40 tanks arrived",
    ]
