"""Unit tests for judging passages against retrieved candidates (pure logic, no index).

The verdict model's probability is given directly here (``boilerplate=``); the model itself
is tested in ``test_verdict_model.py``.
"""

from __future__ import annotations

import pytest

from protocol_match.judge import (
    Candidate,
    JudgeSettings,
    article_novelty,
    judge,
    score_candidates,
)
from protocol_match.records import Passage, PassageResult

FORMULA = (
    "Colonel General Zakir Hasanov welcomed the guests and expressed his satisfaction "
    "with seeing them in Azerbaijan."
)
NEW_FACT = "The delegation toured a drone factory near Ganja on Tuesday afternoon."
BOILERPLATE, CONTENT = 0.9, 0.1  # verdict model probabilities on either side of 0.5


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


def verdict(q: Passage, cands: list[Candidate], p: float, **kw):  # noqa: ANN201
    kw.setdefault("template_of", {})
    kw.setdefault("story_of", {})
    return judge(q, cands, boilerplate=p, **kw)


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


def test_boilerplate_probability_gives_template_with_the_matched_template() -> None:
    res = verdict(QUERY, [cand(7, "a")], BOILERPLATE, template_of={7: 42})
    assert res.status == "template"
    assert res.template_id == 42
    assert res.source_article is None
    assert res.matches[0].passage_id == 7
    assert res.novelty == pytest.approx(1 - BOILERPLATE)


def test_template_without_a_mined_template_has_no_id() -> None:
    res = verdict(QUERY, [cand(1, "a"), cand(2, "b"), cand(3, "c")], BOILERPLATE)
    assert res.status == "template" and res.template_id is None


def test_content_matching_few_stories_is_reused_with_source() -> None:
    cands = [cand(1, "a", cosine=0.9), cand(2, "b", cosine=0.97)]
    res = verdict(QUERY, cands, CONTENT)
    assert res.status == "reused"
    assert res.source_article == "b"  # the best match
    assert res.template_id is None
    assert res.novelty == pytest.approx(1 - CONTENT)


def test_content_matching_many_stories_is_novel_not_a_copy() -> None:
    # Not boilerplate by the model, and no single source it was copied from.
    res = verdict(QUERY, [cand(1, "a"), cand(2, "b"), cand(3, "c")], CONTENT)
    assert res.status == "novel" and res.source_article is None
    assert res.matches  # the matches are still reported


def test_near_duplicate_articles_count_as_one_story() -> None:
    cands = [cand(1, "a"), cand(2, "a-copy"), cand(3, "b")]
    story_of = {"a": "a", "a-copy": "a", "b": "b"}
    assert verdict(QUERY, cands, CONTENT, story_of=story_of).status == "reused"
    assert verdict(QUERY, cands, CONTENT).status == "novel"  # three stories otherwise
    two = verdict(QUERY, cands, CONTENT, story_of=story_of, settings=JudgeSettings(min_support=2))
    assert two.status == "novel"


def test_the_threshold_of_the_model_decides() -> None:
    cands = [cand(1, "a")]
    settings = JudgeSettings(boilerplate_threshold=0.7)
    assert verdict(QUERY, cands, 0.69, settings=settings).status == "reused"
    assert verdict(QUERY, cands, 0.70, settings=settings).status == "template"


def test_nothing_passing_gives_novel() -> None:
    cands = [cand(1, "a", NEW_FACT, cosine=0.35), cand(2, "b", NEW_FACT, cosine=0.2)]
    res = verdict(QUERY, cands, CONTENT, template_of={1: 5})
    assert res.status == "novel"
    assert res.template_id is None
    assert res.source_article is None
    assert res.novel_spans == ()
    assert len(res.matches) == 2  # near misses are still reported
    assert res.novelty == pytest.approx(0.9)


def test_no_candidates_novelty_follows_the_model() -> None:
    res = verdict(QUERY, [], 0.0)
    assert res.status == "novel"
    assert res.novelty == 1.0
    assert res.matches == ()


def test_novelty_is_one_minus_the_probability_clipped() -> None:
    for p in (0.0, 0.25, 0.5, 0.99, 1.0):
        assert verdict(QUERY, [cand(1, "a")], p).novelty == pytest.approx(1 - p)
    assert verdict(QUERY, [], 1.2).novelty == 0.0


def test_own_article_is_not_excluded_here() -> None:
    # Excluding the compared article's own passages is the caller's job: judge counts them.
    own = passage(FORMULA, article_id="self")
    res = verdict(own, [cand(1, "self", cosine=1.0)], CONTENT)
    assert res.status == "reused"
    assert res.source_article == "self"


def test_novel_spans_point_into_article() -> None:
    res = verdict(QUERY, [cand(1, "a")], BOILERPLATE)
    # The rank and the name are one slot fill.
    assert [s.text for s in res.novel_spans] == ["Colonel General Karim Valiyev"]
    span = res.novel_spans[0]
    assert span.start == QUERY.start + QUERY.text.index("Colonel")
    assert span.end - span.start == len("Colonel General Karim Valiyev")


def test_given_scores_are_used_as_they_are() -> None:
    cands = [cand(1, "a"), cand(2, "b")]
    scored = score_candidates(QUERY.text, cands)
    res = judge(QUERY, cands, boilerplate=CONTENT, template_of={}, story_of={}, scored=scored)
    assert res == verdict(QUERY, cands, CONTENT)


def test_max_matches_and_match_fields() -> None:
    cands = [cand(i, f"a{i}", cosine=0.9 - i / 100) for i in range(8)]
    res = verdict(QUERY, cands, CONTENT, settings=JudgeSettings(max_matches=3))
    assert [m.passage_id for m in res.matches] == [0, 1, 2]
    m = res.matches[0]
    assert m.article_id == "a0" and m.level == "sentence" and m.text == FORMULA
    assert m.cosine == pytest.approx(0.9)
    assert 0 < m.similarity <= 1
    assert (m.start, m.end) == (10, 10 + len(FORMULA))


def test_match_threshold_setting_changes_verdict() -> None:
    cands = [cand(1, "a", cosine=0.6)]
    low = verdict(QUERY, cands, CONTENT, settings=JudgeSettings(threshold=0.5))
    high = verdict(QUERY, cands, CONTENT, settings=JudgeSettings(threshold=0.95))
    assert low.status == "reused"
    assert high.status == "novel"


@pytest.mark.parametrize("kw", [{"threshold": 0}, {"threshold": 1}, {"min_support": 1}])
def test_bad_settings_raise(kw: dict) -> None:
    with pytest.raises(ValueError):
        JudgeSettings(**kw)


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


SMALL = JudgeSettings(small_corpus=True)


def test_small_corpus_uses_the_plain_match_rule() -> None:
    # Too few stories for the model: its probability is ignored, the matches decide.
    three = [cand(1, "a"), cand(2, "b"), cand(3, "c")]
    assert verdict(QUERY, three, CONTENT, settings=SMALL).status == "template"
    member = verdict(QUERY, [cand(7, "a")], CONTENT, template_of={7: 42}, settings=SMALL)
    assert (member.status, member.template_id) == ("template", 42)
    copy = verdict(QUERY, [cand(1, "a", cosine=0.97)], BOILERPLATE, settings=SMALL)
    assert (copy.status, copy.source_article) == ("reused", "a")
    far = [cand(1, "a", NEW_FACT, cosine=0.3)]
    assert verdict(QUERY, far, BOILERPLATE, settings=SMALL).status == "novel"


def test_small_corpus_novelty_follows_the_best_match() -> None:
    values = [
        verdict(QUERY, [cand(1, "a", cosine=cos)], 0.5, settings=SMALL).novelty
        for cos in (0.0, 0.4, 0.7, 0.9, 1.0)
    ]
    assert values == sorted(values, reverse=True) and all(0 <= v <= 1 for v in values)
    assert verdict(passage(FORMULA), [cand(1, "a", cosine=1.0)], 0.5, settings=SMALL).novelty == 0
    assert verdict(QUERY, [], 0.9, settings=SMALL).novelty == 1.0
