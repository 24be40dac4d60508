"""Unit tests for near-duplicate scoring and grouping (no model, no index)."""

from __future__ import annotations

import numpy as np
import pytest

from protocol_match.mining._duplicates import (
    DEFAULT_DUPLICATE_THRESHOLD,
    DocInfo,
    entities,
    entity_overlap,
    entity_weights,
    find_duplicates,
    lowercase_words,
    overlap_prior,
    same_story_score,
    story_ids,
)
from protocol_match.records import DuplicateGroup, DuplicatePair
from tests.fakes import hashed_embed

DIM = 512

VISIT = (
    "BAKU, Azerbaijan, December 12. The Minister of Defense, Colonel General Zakir Hasanov, "
    "received a delegation led by Army General Ziya Cemal Kadıoğlu, who is on a visit to "
    "Azerbaijan. Colonel General Zakir Hasanov welcomed the guests and expressed his "
    "satisfaction with seeing them in Azerbaijan. The sides discussed military cooperation "
    "and the results of the High-Level Military Dialogue Meeting, held for 15 years."
)
# The same story from another outlet, lightly edited.
VISIT_COPY = VISIT.replace("received a delegation", "hosted a delegation").replace(
    "The sides discussed", "The parties discussed"
)
# Same template, different event: other names, other figures, other place.
OTHER_EVENT = (
    "NAKHCHIVAN, Azerbaijan, March 3. The Minister of Defense, Colonel General Karim Valiyev, "
    "received a delegation led by Major General Piotr Nowak, who is on a visit to "
    "Azerbaijan. Colonel General Karim Valiyev welcomed the guests and expressed his "
    "satisfaction with seeing them in Azerbaijan. The sides discussed military cooperation "
    "and the results of the Joint Working Group meeting, held for 4 years."
)
UNRELATED = "Heavy rain is expected in the northern districts tomorrow, forecasters said."


def fake_embed(texts: list[str]) -> np.ndarray:
    """Deterministic hashed bag-of-stems vectors, L2-normalized: a millisecond stand-in."""
    return hashed_embed(texts, DIM)


def run(docs: list[DocInfo], **kw) -> list[DuplicateGroup]:
    vecs = fake_embed([d.text for d in docs])
    sims = vecs @ vecs.T
    order = np.argsort(-sims, axis=1, kind="stable")
    return find_duplicates(docs, order, np.take_along_axis(sims, order, axis=1), **kw)


def test_entities_extracts_names_places_and_numbers() -> None:
    ents = entities(VISIT)
    for e in ("zakir", "hasanov", "baku", "azerbaijan", "kadıoğlu", "12", "15", "high-level"):
        assert e in ents, e
    assert "received" not in ents and "visit" not in ents  # lowercase words are not entities
    assert {"zakir hasanov", "ziya cemal", "cemal kadıoğlu"} <= ents  # full names too
    # Figures without thousands separators; clock times (each outlet's own stamp) skipped.
    assert entities("held on 12.05.2024, at 10:30.") == {"12.05.2024"}
    assert entities("cleared 22,854 hectares") == entities("cleared 22854 hectares")
    # A capitalized sentence start is no name when the word is written lowercase elsewhere.
    assert "during" not in entities("During the visit, Baku. Talks went on during lunch.")
    assert "during" not in entities("During the visit.", lowercase_words(["talks during lunch"]))
    assert "during" in entities("During the visit.")
    assert entities("no names here") == frozenset()


def test_same_story_score_evidence() -> None:
    t = DEFAULT_DUPLICATE_THRESHOLD
    # A copy: a quarter of the smaller article's rare shingles and 30% of its rare names
    # shared, documents close.
    assert same_story_score(0.9, 0.3, 0.25, 0.0, None) == pytest.approx(t)
    assert same_story_score(0.9, 0.3, 0.24, 0.0, None) < t
    assert same_story_score(0.9, 0.2, 0.9, 0.0, None) < t  # same wording, other names: a twin
    assert same_story_score(0.6, 0.9, 0.9, 0.0, None) == 0.0  # not near enough as wholes
    # A same-day retelling: rare words and rare names shared; needs the dates.
    assert same_story_score(0.6, 0.3, 0.0, 0.25, 0) == pytest.approx(t)
    assert same_story_score(0.6, 0.3, 0.0, 0.25, None) == 0.0
    assert same_story_score(0.6, 0.3, 0.0, 0.25, 2) == 0.0
    # Close vectors and a few rare names on the same day.
    assert same_story_score(0.85, 0.1, 0.0, 0.0, 1) == pytest.approx(t)
    assert same_story_score(0.84, 0.1, 0.0, 0.0, 1) < t
    # Known dates more than a week apart: another story, whatever the text shares.
    assert same_story_score(0.99, 1.0, 1.0, 1.0, 8) < t
    assert same_story_score(0.99, 1.0, 1.0, 1.0, 7) == 1.0
    # Bounded, and more evidence never lowers it.
    scores = [same_story_score(0.9, 0.9, x, 0.1, None) for x in (0.0, 0.1, 0.3, 0.6, 2.0)]
    assert scores == sorted(scores) and 0.0 <= scores[0] and scores[-1] == 1.0


def test_rare_overlap_ignores_the_beats_common_wording() -> None:
    from protocol_match.mining._story_text import RareOverlap, TextSets, ascii_fold

    formula = "the minister received the delegation and discussed military cooperation"
    docs = [f"{formula}. Guest{i} from city{i} brought plan{i} for program{i}." for i in range(30)]
    docs.append(docs[3].replace("brought", "carried"))  # a light rewrite of article 3
    rare = RareOverlap([TextSets.of(d) for d in docs])
    assert rare.shingles(3, 30) > 0.25 and rare.words(3, 30) > 0.25
    # Articles that only share the formula share nothing rare.
    assert rare.shingles(0, 1) == 0.0 and rare.words(0, 1) == 0.0
    assert ascii_fold("Błaszczak Kadıoğlu Çavuşoğlu") == "blaszczak kadioglu cavusoglu"


def test_entity_overlap_weighs_rare_facts_against_the_smaller_side() -> None:
    common = frozenset({"defense", "ministry"})
    ents = [common | {f"name{i}", f"{i}00"} for i in range(40)]
    ents += [common | {"name1", "100", "extra", "more"}]  # a retelling of article 1, plus news
    w = entity_weights(ents)
    assert w["defense"] == 0.0 and w["name0"] > w["name1"] > 0  # common: 0; rarer: heavier
    prior = overlap_prior(len(ents))
    retold = entity_overlap(ents[1], ents[-1], w, prior)
    other = entity_overlap(ents[0], ents[-1], w, prior)
    assert other == 0.0 < retold < 1.0
    # Relative to the smaller side: added facts in the retelling barely lower it.
    assert retold > 0.5
    # The prior: one shared name, the rarest there is, counts half.
    assert entity_overlap(frozenset({"name3"}), frozenset({"name3"}), w, prior) == pytest.approx(
        0.5
    )


def test_near_identical_articles_are_grouped() -> None:
    docs = [
        DocInfo("a", VISIT, "2024-12-12"),
        DocInfo("u", UNRELATED, "2024-12-12"),
        DocInfo("b", VISIT_COPY, "2024-12-13"),
    ]
    groups = run(docs)
    assert len(groups) == 1
    g = groups[0]
    assert g.articles == ("a", "b")
    assert len(g.pairs) == 1
    pair = g.pairs[0]
    assert isinstance(pair, DuplicatePair)
    assert (pair.a, pair.b) == ("a", "b")
    assert DEFAULT_DUPLICATE_THRESHOLD <= pair.score <= 1.0


# The VISIT story retold by another outlet: other words, a paragraph dropped and one added,
# month-first date, a day later; the facts (names, figures) are the same.
RETOLD = (
    "Colonel General Zakir Hasanov, the Minister of Defense, hosted a delegation headed by "
    "Army General Ziya Cemal Kadıoğlu, who is paying a visit to our country, the ministry "
    "said on December 13.\n\nAccording to the ministry, the parties talked about the "
    "outcome of the High-Level Military Dialogue Meeting, which has been held for 15 years."
    "\n\nIt was noted that 36 servicemen would attend courses in Ankara next spring."
)
# Another delegation received by the same host in the same week, from the same formulas.
TWIN = (
    "BAKU, Azerbaijan, December 14. The Minister of Defense, Colonel General Zakir Hasanov, "
    "received a delegation led by Major General Tomasz Wisniewski, who is on a visit to "
    "Azerbaijan. Colonel General Zakir Hasanov welcomed the guests and expressed his "
    "satisfaction with seeing them in Azerbaijan. The sides discussed military cooperation "
    "and the results of the Joint Working Group meeting, held for 7 years."
)


def test_retelling_grouped_twin_of_same_host_and_week_not() -> None:
    docs = [
        DocInfo("a", VISIT, "2024-12-12"),
        DocInfo("r", RETOLD, "2024-12-13"),
        DocInfo("t", TWIN, "2024-12-14"),
        DocInfo("u", UNRELATED, "2024-12-12"),
    ]
    groups = run(docs)
    assert [g.articles for g in groups] == [("a", "r")]


def test_same_template_different_event_is_not_grouped() -> None:
    docs = [DocInfo("a", VISIT, "2024-12-12"), DocInfo("c", OTHER_EVENT, "2025-03-03")]
    vecs = fake_embed([VISIT, OTHER_EVENT])
    assert float(vecs[0] @ vecs[1]) > 0.7  # the documents do look alike as wholes
    assert run(docs) == []


def test_copies_grouped_while_other_event_stays_out() -> None:
    docs = [
        DocInfo("a", VISIT, "2024-12-12"),
        DocInfo("b", VISIT_COPY, "2024-12-12"),
        DocInfo("c", OTHER_EVENT, "2025-03-03"),
        DocInfo("d", VISIT_COPY.replace("parties", "two sides"), None),
    ]
    groups = run(docs)
    assert [g.articles for g in groups] == [("a", "b", "d")]
    assert all(p.a != "c" and p.b != "c" for p in groups[0].pairs)


def test_padding_and_self_neighbors_ignored() -> None:
    docs = [DocInfo("a", VISIT, "2024-12-12"), DocInfo("b", VISIT_COPY, "2024-12-12")]
    neighbors = np.array([[0, 1, -1], [1, -1, -1]])
    sims = np.array([[1.0, 0.97, 0.0], [1.0, 0.0, 0.0]])
    (g,) = find_duplicates(docs, neighbors, sims)
    assert g.articles == ("a", "b")
    assert len(g.pairs) == 1  # the pair is scored once even if found from both sides


def test_threshold_validation_and_effect() -> None:
    docs = [DocInfo("a", VISIT, "2024-12-12"), DocInfo("b", VISIT_COPY, "2024-12-12")]
    with pytest.raises(ValueError):
        run(docs, threshold=0.0)
    with pytest.raises(ValueError):
        run(docs, threshold=1.5)
    five = [
        DocInfo("a", VISIT, "2024-12-12"),
        DocInfo("r", RETOLD, "2024-12-13"),
        DocInfo("t", TWIN, "2024-12-14"),
        DocInfo("u", UNRELATED, "2024-12-12"),
        DocInfo("b", VISIT_COPY, "2024-12-12"),
    ]
    (loose,) = run(five, threshold=0.3)
    scores = {(p.a, p.b): p.score for p in loose.pairs}
    # The copy is the strongest evidence, the retelling next, the twin below the default.
    assert scores[("a", "b")] > scores[("a", "r")] > DEFAULT_DUPLICATE_THRESHOLD
    assert scores[("a", "t")] < DEFAULT_DUPLICATE_THRESHOLD
    (strict,) = run(five, threshold=scores[("a", "r")] + 1e-3)
    assert ("a", "r") not in {(p.a, p.b) for p in strict.pairs}
    assert ("a", "b") in {(p.a, p.b) for p in strict.pairs}


def test_empty_input() -> None:
    empty = np.zeros((0, 3), dtype=np.int64)
    assert find_duplicates([], empty, empty.astype(float)) == []


def test_story_ids() -> None:
    groups = [
        DuplicateGroup(("a", "b", "d"), ()),
        DuplicateGroup(("x", "y"), ()),
    ]
    story = story_ids(["a", "b", "c", "d", "x", "y"], groups)
    assert story == {"a": "a", "b": "a", "c": "c", "d": "a", "x": "x", "y": "x"}
    assert story_ids(["a"], []) == {"a": "a"}


def test_story_ids_from_found_groups() -> None:
    docs = [
        DocInfo("a", VISIT, "2024-12-12"),
        DocInfo("b", VISIT_COPY, "2024-12-12"),
        DocInfo("c", OTHER_EVENT, "2025-03-03"),
    ]
    story = story_ids([d.article_id for d in docs], run(docs))
    assert story == {"a": "a", "b": "a", "c": "c"}


def test_distinctive_entities_drop_the_beats_common_vocabulary() -> None:
    from protocol_match.mining._duplicates import distinctive_entities

    common = frozenset({"defense", "ministry"})
    ents = [common | {f"name{i}"} for i in range(40)]
    out = distinctive_entities(ents)
    assert out[0] == {"name0"}
    # Small corpora keep everything: 3 articles cannot tell formula vocabulary from names.
    assert distinctive_entities(ents[:3]) == ents[:3]


def test_hard_synthetic_set_grouped_without_merging_twins() -> None:
    """Retellings and twin events of the generator (cheap stand-in vectors: this scores the
    entity/date evidence; benchmarks/duplicates.py measures it with the real model)."""
    from protocol_match.synth import generate_corpus

    synth = generate_corpus(60, seed=3, hard_duplicates=1.0)
    docs = [DocInfo(a.id, a.text, a.date) for a in synth.articles]
    vecs = fake_embed([d.text for d in docs])
    sims = vecs @ vecs.T
    order = np.argsort(-sims, axis=1, kind="stable")[:, :11]
    groups = find_duplicates(docs, order, np.take_along_axis(sims, order, axis=1))
    pred = {
        frozenset((a, b))
        for g in groups
        for i, a in enumerate(g.articles)
        for b in g.articles[i + 1 :]
    }
    true = synth.duplicate_pairs()
    tp = len(pred & true)
    assert tp / len(pred) >= 0.9 and tp / len(true) >= 0.9
    assert not pred & synth.twin_pairs()
