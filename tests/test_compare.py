"""Unit tests for judging passages against retrieved candidates (pure logic, no index)."""

from __future__ import annotations

import pytest

from protocol_match.judge import (
    Candidate,
    JudgeSettings,
    apply_clause,
    article_novelty,
    judge,
    merge_paragraphs,
    score_candidates,
)
from protocol_match.mining import ClauseHit
from protocol_match.records import Passage, PassageResult, Span

FORMULA = (
    "Colonel General Zakir Hasanov welcomed the guests and expressed his satisfaction "
    "with seeing them in Azerbaijan."
)
NEW_FACT = "The delegation toured a drone factory near Ganja on Tuesday afternoon."


def passage(
    text: str,
    *,
    start: int = 0,
    paragraph: int = 0,
    index: int = 0,
    level: str = "sentence",
    article_id: str = "new",
) -> Passage:
    return Passage(article_id, level, index, paragraph, start, start + len(text), text)  # type: ignore[arg-type]


def cand(pid: int, article: str, text: str = FORMULA, cosine: float = 0.95) -> Candidate:
    return Candidate(pid, article, "sentence", text, cosine, start=10, end=10 + len(text))


def result(p: Passage, status: str, novelty: float, **kw) -> PassageResult:
    return PassageResult(passage=p, status=status, novelty=novelty, **kw)  # type: ignore[arg-type]


QUERY = passage(FORMULA.replace("Zakir Hasanov", "Karim Valiyev"), start=200)


def test_score_candidates_best_first_and_bounded() -> None:
    cands = [
        cand(1, "a", NEW_FACT, cosine=0.3),
        cand(2, "b", FORMULA, cosine=0.95),
        cand(3, "c", FORMULA, cosine=0.80),
    ]
    scored = score_candidates(QUERY.text, cands)
    assert [c.passage_id for _, c in scored] == [2, 3, 1]
    assert all(0.0 <= s <= 1.0 for s, _ in scored)
    assert scored[0][0] > scored[1][0] > scored[2][0]


def test_template_member_match_gives_template() -> None:
    res = judge(QUERY, [cand(7, "a")], template_of={7: 42}, story_of={})
    assert res.status == "template"
    assert res.template_id == 42
    assert res.source_article is None
    assert res.matches[0].passage_id == 7


def test_matches_spanning_min_support_stories_give_template() -> None:
    cands = [cand(1, "a"), cand(2, "b"), cand(3, "c")]
    res = judge(QUERY, cands, template_of={}, story_of={})
    assert res.status == "template"
    assert res.template_id is None
    assert res.source_article is None


def test_fewer_stories_give_reused_with_source() -> None:
    cands = [cand(1, "a", cosine=0.9), cand(2, "b", cosine=0.97)]
    res = judge(QUERY, cands, template_of={}, story_of={})
    assert res.status == "reused"
    assert res.source_article == "b"  # the best match
    assert res.template_id is None


def test_near_duplicate_articles_count_as_one_story() -> None:
    cands = [cand(1, "a"), cand(2, "a-copy"), cand(3, "b")]
    story_of = {"a": "a", "a-copy": "a", "b": "b"}
    res = judge(QUERY, cands, template_of={}, story_of=story_of)
    assert res.status == "reused"
    # With min_support 2 the same two stories make a template.
    res2 = judge(
        QUERY, cands, template_of={}, story_of=story_of, settings=JudgeSettings(min_support=2)
    )
    assert res2.status == "template"


def test_nothing_passing_gives_novel() -> None:
    cands = [cand(1, "a", NEW_FACT, cosine=0.35), cand(2, "b", NEW_FACT, cosine=0.2)]
    res = judge(QUERY, cands, template_of={1: 5}, story_of={})
    assert res.status == "novel"
    assert res.template_id is None
    assert res.source_article is None
    assert res.novel_spans == ()
    assert len(res.matches) == 2  # near misses are still reported
    assert 0.0 < res.novelty <= 1.0


def test_no_candidates_fully_novel() -> None:
    res = judge(QUERY, [], template_of={}, story_of={})
    assert res.status == "novel"
    assert res.novelty == 1.0
    assert res.matches == ()


def test_novelty_in_unit_interval_and_lower_for_closer_matches() -> None:
    values = []
    for cos in (-0.5, 0.0, 0.4, 0.7, 0.9, 1.0):
        res = judge(QUERY, [cand(1, "a", cosine=cos)], template_of={}, story_of={})
        assert 0.0 <= res.novelty <= 1.0
        values.append(res.novelty)
    assert values == sorted(values, reverse=True)
    verbatim = judge(passage(FORMULA), [cand(1, "a", cosine=1.0)], template_of={}, story_of={})
    assert verbatim.novelty == 0.0


def test_own_article_is_not_excluded_here() -> None:
    # Excluding the compared article's own passages is the caller's job: judge counts them.
    own = passage(FORMULA, article_id="self")
    res = judge(own, [cand(1, "self", cosine=1.0)], template_of={}, story_of={})
    assert res.status == "reused"
    assert res.source_article == "self"


def test_novel_spans_point_into_article() -> None:
    res = judge(QUERY, [cand(1, "a")], template_of={}, story_of={})
    # The rank and the name are one slot fill.
    assert [s.text for s in res.novel_spans] == ["Colonel General Karim Valiyev"]
    span = res.novel_spans[0]
    assert span.start == QUERY.start + QUERY.text.index("Colonel")
    assert span.end - span.start == len("Colonel General Karim Valiyev")


def test_max_matches_and_match_fields() -> None:
    cands = [cand(i, f"a{i}", cosine=0.9 - i / 100) for i in range(8)]
    res = judge(QUERY, cands, template_of={}, story_of={}, settings=JudgeSettings(max_matches=3))
    assert [m.passage_id for m in res.matches] == [0, 1, 2]
    m = res.matches[0]
    assert m.article_id == "a0" and m.level == "sentence" and m.text == FORMULA
    assert m.cosine == pytest.approx(0.9)
    assert 0 < m.similarity <= 1
    assert (m.start, m.end) == (10, 10 + len(FORMULA))


def test_threshold_setting_changes_verdict() -> None:
    cands = [cand(1, "a", cosine=0.6)]
    low = judge(QUERY, cands, template_of={}, story_of={}, settings=JudgeSettings(threshold=0.5))
    high = judge(QUERY, cands, template_of={}, story_of={}, settings=JudgeSettings(threshold=0.95))
    assert low.status == "reused"
    assert high.status == "novel"


@pytest.mark.parametrize("kw", [{"threshold": 0}, {"threshold": 1}, {"min_support": 1}])
def test_bad_settings_raise(kw: dict) -> None:
    with pytest.raises(ValueError):
        JudgeSettings(**kw)


# --- merge_paragraphs -------------------------------------------------------------------


def _paragraph(
    sentences: list[str], paragraph: int = 0, start: int = 0
) -> tuple[Passage, list[Passage]]:
    text = " ".join(sentences)
    para = passage(text, start=start, paragraph=paragraph, index=paragraph, level="paragraph")
    sents, pos = [], start
    for i, s in enumerate(sentences):
        sents.append(passage(s, start=pos, paragraph=paragraph, index=i))
        pos += len(s) + 1
    return para, sents


def test_mostly_matched_paragraph_takes_sentence_status() -> None:
    para, (s1, s2) = _paragraph([FORMULA, "It rained."])
    sentences = [
        result(s1, "template", 0.1, template_id=9, novel_spans=(Span(16, 29, "Zakir Hasanov"),)),
        result(s2, "novel", 1.0),
    ]
    (merged,) = merge_paragraphs([result(para, "novel", 0.8)], sentences)
    assert merged.status == "template"
    assert merged.template_id == 9
    total = len(s1.text) + len(s2.text)
    expected = (0.1 * len(s1.text) + 1.0 * len(s2.text)) / total
    assert merged.novelty == pytest.approx(round(expected, 4))
    # The novel sentence and the name inside the formula are the paragraph's novel spans.
    assert [s.text for s in merged.novel_spans] == ["Zakir Hasanov", "It rained."]
    assert merged.passage == para


def test_reused_paragraph_whose_sentence_is_a_template_reports_the_template() -> None:
    para, (s1,) = _paragraph([FORMULA])
    sentences = [result(s1, "template", 0.0, template_id=4)]
    paragraph = result(para, "reused", 0.0, source_article="a1")
    (merged,) = merge_paragraphs([paragraph], sentences)
    assert (merged.status, merged.template_id, merged.source_article) == ("template", 4, None)


def test_mostly_novel_paragraph_stays_novel() -> None:
    para, (s1, s2) = _paragraph(["It rained.", NEW_FACT + " " + NEW_FACT])
    sentences = [result(s1, "reused", 0.0, source_article="x"), result(s2, "novel", 1.0)]
    (merged,) = merge_paragraphs([result(para, "novel", 0.9)], sentences)
    assert merged.status == "novel"
    assert merged.source_article is None
    assert merged.novel_spans == ()
    assert 0.0 <= merged.novelty <= 0.9


def test_reused_majority_carries_source() -> None:
    para, (s1, s2) = _paragraph([FORMULA, "It rained."])
    sentences = [result(s1, "reused", 0.2, source_article="src"), result(s2, "novel", 1.0)]
    (merged,) = merge_paragraphs([result(para, "novel", 1.0)], sentences)
    assert merged.status == "reused"
    assert merged.source_article == "src"


def test_matched_paragraph_keeps_its_own_verdict() -> None:
    para, (s1, s2) = _paragraph([FORMULA, "It rained."])
    spans = (Span(3, 5, "xx"),)
    para_res = result(para, "reused", 0.05, source_article="p", novel_spans=spans)
    sentences = [result(s1, "novel", 1.0), result(s2, "novel", 1.0)]
    (merged,) = merge_paragraphs([para_res], sentences)
    assert merged.status == "reused"
    assert merged.source_article == "p"
    assert merged.novel_spans == spans
    assert merged.novelty == 0.05  # never above the paragraph's own novelty


def test_sentences_are_matched_to_their_own_paragraph() -> None:
    p0, s0 = _paragraph([FORMULA], paragraph=0)
    p1, s1 = _paragraph([NEW_FACT], paragraph=1, start=500)
    sentences = [result(s0[0], "template", 0.0, template_id=1), result(s1[0], "novel", 1.0)]
    out = merge_paragraphs([result(p0, "novel", 1.0), result(p1, "novel", 1.0)], sentences)
    assert [r.status for r in out] == ["template", "novel"]
    assert [r.novelty for r in out] == [0.0, 1.0]


def test_paragraph_without_sentences_keeps_its_novelty() -> None:
    para, _ = _paragraph([NEW_FACT])
    (merged,) = merge_paragraphs([result(para, "novel", 1.0)], [])
    assert merged.novelty == 1.0


# --- article_novelty --------------------------------------------------------------------


def test_article_novelty_is_character_weighted() -> None:
    short_novel = passage("x" * 30)
    long_seen = passage("y" * 70, start=31)
    sentences = [result(short_novel, "novel", 1.0), result(long_seen, "template", 0.0)]
    assert article_novelty(sentences) == pytest.approx(0.3)
    # Counting sentences instead of characters would give 0.5.
    sentences = [result(short_novel, "template", 0.0), result(long_seen, "novel", 1.0)]
    assert article_novelty(sentences) == pytest.approx(0.7)


def test_article_novelty_bounds() -> None:
    p = passage(NEW_FACT)
    assert article_novelty([]) == 0.0
    assert article_novelty([result(p, "novel", 1.0)]) == 1.0
    assert article_novelty([result(p, "reused", 0.0)]) == 0.0


def test_familiar_frame_dating_a_new_event_is_novel() -> None:
    frame = "{} invited {} to attend the {} defence exhibition to be held in {} on {}."
    refs = [
        frame.format("Piotr Nowak", "Z. Hasanov", "MSPO", "Kielce", "3 September"),
        frame.format("Levan Beridze", "K. Valiyev", "IDEAS", "Tbilisi", "12 June"),
    ]
    q = passage(frame.format("Imran Shah", "S. Orujov", "IDEAS", "Lahore", "1 June"))
    cands = [cand(i, f"a{i}", t, cosine=0.95) for i, t in enumerate(refs)]
    res = judge(q, cands, template_of={}, story_of={})
    assert res.status == "novel"
    assert res.novelty >= 0.5
    assert any("June" in sp.text or sp.text == "1" for sp in res.novel_spans)
    # Without the date the same frame is a familiar formula.
    plain = passage("Imran Shah invited S. Orujov to attend the IDEAS defence exhibition.")
    refs2 = [cand(i, f"a{i}", t.split(" to be held")[0] + ".") for i, t in enumerate(refs)]
    assert judge(plain, refs2, template_of={}, story_of={}).status == "reused"


def test_title_in_apposition_is_no_formula_clause() -> None:
    text = "The head of the press service, Vice Admiral E. Mirzayev said the barracks can hold 188."
    p = passage(text)
    novel = result(p, "novel", 1.0)
    title = ClauseHit(0, text.index(","), 5, 0.0, 0, 0)
    assert apply_clause(novel, title) is novel
    # An attribution before a name is a formula clause.
    text2 = "According to the Defence Ministry, M. Mammadov said the barracks can hold 188."
    p2 = passage(text2)
    hit = ClauseHit(0, text2.index(","), 5, 0.0, 0, 0)
    assert apply_clause(result(p2, "novel", 1.0), hit).status == "template"


def test_clause_covering_all_but_a_timestamp_keeps_the_whole_sentence_verdict() -> None:
    text = (
        "At 21:24 on 15 March, the positions near Shirvan came under fire, and it was suppressed."
    )
    p = passage(text)
    novel = result(p, "novel", 0.8, novel_spans=(Span(3, 8, "21:24"),))
    frame = ClauseHit(text.index("the positions"), len(text) - 1, 5, 0.0, 0, 0)
    assert apply_clause(novel, frame) is novel
    # A sentence that matched nothing keeps the clause rescue ("On 13 March, <formula>").
    assert apply_clause(result(p, "novel", 1.0), frame).status == "template"
