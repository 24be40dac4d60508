"""The verdict model: passage features (pure), the logistic model, the shipped weights."""

from __future__ import annotations

import json

import numpy as np
import pytest

from protocol_match.judge import (
    FEATURES,
    MODEL_FILE,
    LevelModel,
    Neighbour,
    Position,
    VerdictModel,
    fit_level,
    passage_features,
    save_models,
)

COL = {name: i for i, name in enumerate(FEATURES)}
TEXT = "The leaders agreed to stay in close contact."


def nb(story: str, score: float, cosine: float = 0.8, tfidf: float = 0.5) -> Neighbour:
    return Neighbour(story, score, cosine, tfidf)


def test_story_profile_counts_each_other_story_once() -> None:
    neighbours = [nb("a", 0.9), nb("a", 0.7), nb("b", 0.6), nb("c", 0.52), nb("own", 0.99)]
    row = passage_features(TEXT, Position(3, 10), neighbours, frozenset({"own"}))
    assert row.shape == (len(FEATURES),)
    # The best score per story, best first; the article's own story never counts.
    assert [row[COL[k]] for k in ("s1", "s2", "s3", "s5")] == pytest.approx([0.9, 0.6, 0.52, 0])
    assert row[COL["n50"]] == 3 and row[COL["n55"]] == 2 and row[COL["n65"]] == 1
    assert row[COL["smean10"]] == pytest.approx((0.9 + 0.6 + 0.52) / 10)


def test_shape_features() -> None:
    none = passage_features(
        "“We stand together,” he said in 2024.", Position(0, 5), [], frozenset()
    )
    assert none[COL["s1"]] == 0 and none[COL["t1"]] == 0 and none[COL["n50"]] == 0
    assert none[COL["quote"]] == 1 and none[COL["first"]] == 1 and none[COL["pos"]] == 0
    assert none[COL["digits"]] > 0 and 0 < none[COL["caps"]] < 1
    last = passage_features(TEXT, Position(4, 5), [], frozenset())
    assert last[COL["pos"]] == 1 and last[COL["first"]] == 0 and last[COL["quote"]] == 0
    assert last[COL["logtok"]] == pytest.approx(np.log1p(8))


def test_level_model_standardizes_and_round_trips() -> None:
    m = LevelModel(np.array([1.0, 0.0]), np.array([2.0, 1.0]), np.array([1.0, -1.0]), 0.5, 0.6)
    p = m.probability(np.array([[3.0, 0.0], [1.0, 2.0]]))
    assert p[0] == pytest.approx(1 / (1 + np.exp(-1.5)))
    assert p[1] == pytest.approx(1 / (1 + np.exp(1.5)))
    again = LevelModel.from_dict(json.loads(json.dumps(m.to_dict())))
    np.testing.assert_allclose(again.probability([[3.0, 0.0]]), p[:1])
    assert again.threshold == 0.6


def test_fit_level_threshold_reaches_the_precision_on_its_rows() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = x[:, 0] + 0.5 * rng.normal(size=400) > 0
    model = fit_level(x, y, precision=0.92)
    p = model.probability(x)
    called = p >= model.threshold
    assert (y & called).sum() / called.sum() >= 0.92
    assert 0 < called.sum() < len(y)
    assert model.coef[0] > abs(model.coef[1])  # it found the informative column


def test_shipped_model_loads_for_every_backend_and_ranks_sensibly() -> None:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert set(data["backends"]) >= {"static", "torch"}
    for backend in ("static", "torch", "onnx-int8"):
        model = VerdictModel.load(backend=backend)
        assert model.features == FEATURES
        for level in ("paragraph", "sentence"):
            lm = model.level(level)
            assert 0 < lm.threshold < 1
            seen = passage_features(
                TEXT, Position(3, 9), [nb(str(i), 0.9, 0.9, 0.8) for i in range(12)], frozenset()
            )
            unseen = passage_features(
                "Kenya pledged 1,000 police officers to Haiti's security mission in a letter "
                "sent on Monday, and the first of them are expected to arrive in the capital "
                "by the end of the month, officials in Nairobi said.",
                Position(3, 9),
                [nb(str(i), 0.3, 0.4, 0.03) for i in range(40)],  # topic, not wording
                frozenset(),
            )
            p_seen, p_unseen = lm.probability(np.stack([seen, unseen]))
            assert p_seen > lm.threshold > p_unseen
    onnx, torch = VerdictModel.load(backend="onnx-int8"), VerdictModel.load(backend="torch")
    assert onnx.to_dict() == torch.to_dict()


def test_model_files_are_checked(tmp_path) -> None:
    model = VerdictModel.load()
    one = tmp_path / "one.json"
    model.save(one)
    assert VerdictModel.load(one).to_dict() == model.to_dict()
    both = tmp_path / "both.json"
    save_models({"static": model}, both)
    assert VerdictModel.load(both, backend="torch").to_dict() == model.to_dict()  # the one it has
    bad = model.to_dict() | {"features": ["s1"]}
    with pytest.raises(ValueError, match="refit"):
        VerdictModel.from_dict(bad)
    with pytest.raises(ValueError, match="schema"):
        VerdictModel.from_dict({"schema": "something else"})
    with pytest.raises(ValueError, match="cannot read"):
        VerdictModel.load(tmp_path / "missing.json")
