"""Unit tests for template mining over small hand-built arrays (no model, no index)."""

from __future__ import annotations

import numpy as np
import pytest

from protocol_match.mining import Cluster, is_chrome, mine_clusters
from protocol_match.scoring import DEFAULT_THRESHOLD, combine, content_profile, dice
from tests.fakes import hashed_embed

DIM = 256

FORMULA = (
    "Colonel General Zakir Hasanov welcomed the guests and expressed his satisfaction "
    "with seeing them in Azerbaijan."
)
UNRELATED = [
    "Heavy rain is expected in the northern districts tomorrow afternoon.",
    "The central bank kept its refinancing rate unchanged at nine percent.",
    "Tickets for the football final sold out within two hours on Monday.",
    "Scientists reported a new species of frog found in the mountain forests.",
]


def fake_embed(texts: list[str]) -> np.ndarray:
    """Deterministic hashed bag-of-stems vectors, L2-normalized: a millisecond stand-in."""
    return hashed_embed(texts, DIM)


def all_pairs(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A full kNN graph (every other passage is a neighbor), as the index would return."""
    sims = vectors @ vectors.T
    order = np.argsort(-sims, axis=1, kind="stable")
    return order.astype(np.int64), np.take_along_axis(sims, order, axis=1)


def mine(texts: list[str], stories: list[int], vectors: np.ndarray | None = None, **kw):
    vecs = fake_embed(texts) if vectors is None else vectors
    nb, sims = all_pairs(vecs)
    return mine_clusters(vecs, texts, np.array(stories), nb, sims, **kw)


def formula_corpus() -> tuple[list[str], list[int]]:
    """The welcome formula in stories 0, 1, 2 (names vary) plus unrelated passages."""
    texts = [
        FORMULA,
        FORMULA.replace("Zakir Hasanov", "Karim Valiyev"),
        FORMULA.replace("Zakir Hasanov", "Bakhtiyar Ersay"),
        *UNRELATED,
    ]
    stories = [0, 1, 2, 3, 4, 5, 6]
    return texts, stories


def test_formula_in_three_stories_is_a_template() -> None:
    texts, stories = formula_corpus()
    clusters = mine(texts, stories, min_support=3)
    assert len(clusters) == 1
    c = clusters[0]
    assert isinstance(c, Cluster)
    assert sorted(c.members) == [0, 1, 2]
    assert c.stories == 3
    assert len(c.scores) == len(c.members)
    assert all(0.0 <= s <= 1.0 + 1e-6 for s in c.scores)


def test_min_support_above_story_count_drops_it() -> None:
    texts, stories = formula_corpus()
    assert mine(texts, stories, min_support=4) == []
    assert len(mine(texts, stories, min_support=2)) == 1


def test_support_counts_stories_not_passages() -> None:
    # Five verbatim copies in one story: no edges at all (same-story pairs are skipped).
    assert mine([FORMULA] * 5 + UNRELATED, [0] * 5 + [1, 2, 3, 4], min_support=2) == []
    # Four copies over two stories: support 2, below min_support 3.
    assert mine([FORMULA] * 4 + UNRELATED, [0, 0, 0, 1, 2, 3, 4, 5], min_support=3) == []
    # The same copies counted with support 2 allowed: one cluster, 4 members, 2 stories.
    (c,) = mine([FORMULA] * 4 + UNRELATED, [0, 0, 0, 1, 2, 3, 4, 5], min_support=2)
    assert sorted(c.members) == [0, 1, 2, 3]
    assert c.stories == 2


def test_medoid_is_a_member_and_listed_first() -> None:
    texts, stories = formula_corpus()
    texts.append(FORMULA.replace("Zakir Hasanov", "Karim Valiyev").replace("guests", "visitors"))
    stories.append(7)
    (c,) = mine(texts, stories)
    assert c.medoid in c.members
    assert c.members[0] == c.medoid
    assert c.scores[0] == pytest.approx(max(c.scores))
    assert list(c.scores) == sorted(c.scores, reverse=True)
    assert c.stories == 4


def test_clusters_sorted_by_support() -> None:
    other = "The sides exchanged views on military and military-technical cooperation."
    texts = [FORMULA] * 3 + [other] * 4 + UNRELATED
    stories = [0, 1, 2, 10, 11, 12, 13, 20, 21, 22, 23]
    clusters = mine(texts, stories)
    assert [c.stories for c in clusters] == [4, 3]
    assert sorted(clusters[0].members) == [3, 4, 5, 6]


def test_chaining_is_split_by_average_linkage() -> None:
    """A~B and B~C pass the threshold, A~C does not: A and C must not share a cluster."""
    text_a = "The minister welcomed the guests warmly at the headquarters"
    text_c = "Delegations discussed military cooperation and regional security"
    text_b = text_a + " and " + text_c
    a = np.array([1.0, 0.0, 0.0])
    c = np.array([0.0, 1.0, 0.0])
    b = (a + c) / np.linalg.norm(a + c)
    # Three stories say A, three say C, one story bridges them.
    vectors = np.stack([a, a, a, b, c, c, c]).astype(np.float32)
    texts = [text_a] * 3 + [text_b] + [text_c] * 3
    stories = [0, 1, 2, 3, 4, 5, 6]
    group_a, group_c = {0, 1, 2}, {4, 5, 6}
    # Preconditions: the kNN graph is one chained component A - B - C.
    pa, pb, pc = (content_profile(t) for t in (text_a, text_b, text_c))
    assert combine(a @ b, dice(pa, pb)) >= DEFAULT_THRESHOLD
    assert combine(b @ c, dice(pb, pc)) >= DEFAULT_THRESHOLD
    assert combine(a @ c, dice(pa, pc)) < DEFAULT_THRESHOLD

    clusters = mine(texts, stories, vectors=vectors, min_support=3)
    assert clusters, "both sides of the chain are templates on their own"
    for cl in clusters:
        members = set(cl.members)
        assert not (members & group_a and members & group_c), cl
    covered = set().union(*(set(cl.members) for cl in clusters))
    assert group_a <= covered
    assert group_c <= covered


def test_no_edges_no_clusters() -> None:
    assert mine(UNRELATED, [0, 1, 2, 3], min_support=2) == []


def test_empty_input() -> None:
    empty = np.zeros((0, DIM), dtype=np.float32)
    nb = np.zeros((0, 3), dtype=np.int64)
    assert mine_clusters(empty, [], np.array([], dtype=int), nb, nb.astype(float)) == []


def test_padding_neighbors_are_ignored() -> None:
    texts, stories = formula_corpus()
    vecs = fake_embed(texts)
    nb, sims = all_pairs(vecs)
    nb[:, -2:] = -1  # the index pads short neighbor lists with -1
    clusters = mine_clusters(vecs, texts, np.array(stories), nb, sims)
    assert [sorted(c.members) for c in clusters] == [[0, 1, 2]]


@pytest.mark.parametrize(
    "kwargs",
    [{"min_support": 1}, {"threshold": 0.0}, {"threshold": 1.0}, {"threshold": -0.2}],
)
def test_bad_settings_raise(kwargs: dict) -> None:
    texts, stories = formula_corpus()
    with pytest.raises(ValueError):
        mine(texts, stories, **kwargs)


def test_mismatched_lengths_raise() -> None:
    texts, stories = formula_corpus()
    vecs = fake_embed(texts)
    nb, sims = all_pairs(vecs)
    with pytest.raises(ValueError, match="same length"):
        mine_clusters(vecs[:-1], texts, np.array(stories), nb, sims)
    with pytest.raises(ValueError, match="same length"):
        mine_clusters(vecs, texts, np.array(stories[:-1]), nb, sims)
    with pytest.raises(ValueError, match="same length"):
        mine_clusters(vecs, texts[:-1], np.array(stories), nb, sims)


@pytest.mark.parametrize(
    "text",
    ["Print version", "BAKU, Azerbaijan, December 12.", "Trend reports.", "", "date 2024-12-12"],
)
def test_is_chrome_for_page_furniture(text: str) -> None:
    assert is_chrome(text)


def test_is_chrome_false_for_formula() -> None:
    assert not is_chrome(FORMULA)
    assert not is_chrome("The guests laid wreaths and flowers and honored their blessed memory.")


def test_huge_component_of_identical_vectors_terminates_as_one_template():
    """One verbatim formula in thousands of stories: k-means cannot split it (it looped)."""
    from protocol_match.mining import _templates as tm

    n = tm._DENSE_LIMIT + 500
    rng = np.random.default_rng(0)
    vec = rng.standard_normal(16).astype(np.float32)
    vectors = np.tile(vec / np.linalg.norm(vec), (n, 1))
    texts = ["The guests laid wreaths and flowers and honored their memory."] * n
    stories = np.arange(n)
    neighbors = np.stack([(np.arange(n) + d) % n for d in (1, 2, 3)], axis=1)
    sims = np.ones_like(neighbors, dtype=np.float32)
    clusters = tm.mine_clusters(vectors, texts, stories, neighbors, sims, min_support=3)
    assert len(clusters) == 1
    assert clusters[0].stories == n and len(clusters[0].members) == n


def _family(base: str, names: list[str]) -> list[str]:
    return [base.format(n) for n in names]


NAMES = [
    f"{a} {b}"
    for a in ("Karim", "Zakir", "Elchin", "Ramiz", "Tural", "Anar")
    for b in ("Valiyev", "Hasanov", "Ersoy", "Guliyev", "Mammadov", "Aliyev", "Huseynov")
]


def test_large_component_cut_by_k_means_is_merged_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """A component too big for a dense matrix is cut into k-means cells; a formula whose
    variants fall into several cells comes back as one template, another formula stays
    apart."""
    from protocol_match.mining import _templates as tm

    monkeypatch.setattr(tm, "_DENSE_LIMIT", 20)
    monkeypatch.setattr(tm, "_CELL", 10)
    welcome = _family("Colonel General {} welcomed the guests and expressed satisfaction.", NAMES)
    wreath = _family("The delegation led by {} laid a wreath at the Eternal Flame monument.", NAMES)
    texts = welcome + wreath
    stories = list(range(len(texts)))
    vecs = fake_embed(texts)
    nb, sims = all_pairs(vecs)
    merges: list[int] = []
    real_merge = tm._merge_parts

    def spy(parts, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        out = real_merge(parts, *args, **kw)
        merges.append(len(parts) - len(out))
        return out

    monkeypatch.setattr(tm, "_merge_parts", spy)
    clusters = tm.mine_clusters(vecs, texts, np.array(stories), nb, sims, min_support=3)
    assert merges and max(merges) > 0, "the k-means path ran and merged cell clusters"
    sets = [set(c.members) for c in clusters]
    first, second = set(range(len(welcome))), set(range(len(welcome), len(texts)))
    assert not any(s & first and s & second for s in sets)
    assert max(len(s & first) for s in sets) == len(first)
    assert max(len(s & second) for s in sets) == len(second)


def test_mine_passages_collapses_identical_texts() -> None:
    """A verbatim formula in many stories is one node: its copies do not crowd its
    paraphrases out of the kNN graph, and every copy is a member."""
    from protocol_match.mining import mine_passages

    texts = [FORMULA] * 30 + [FORMULA.replace("Zakir Hasanov", n) for n in NAMES[:5]] + UNRELATED
    stories = np.arange(len(texts))
    clusters = mine_passages(fake_embed(texts), texts, stories, k=3, min_support=3)
    assert len(clusters) == 1
    (c,) = clusters
    assert sorted(c.members) == list(range(35))
    assert c.stories == 35
    assert texts[c.medoid] == FORMULA  # the most repeated wording is the medoid


def test_mine_passages_same_story_copies_are_not_support() -> None:
    texts = [FORMULA] * 5 + UNRELATED
    stories = np.array([7] * 5 + [1, 2, 3, 4])
    assert mine_passages_default(texts, stories) == []


def mine_passages_default(texts: list[str], stories: np.ndarray) -> list[Cluster]:
    from protocol_match.mining import mine_passages

    return mine_passages(fake_embed(texts), texts, stories, min_support=2)
