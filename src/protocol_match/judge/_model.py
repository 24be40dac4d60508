"""The verdict model: a logistic regression over the passage features, one per level.

Its weights are data (``verdict_model.json`` beside this module), fitted by
``benchmarks/fit_verdicts.py`` on the hand-labelled real development corpora and read with
``json`` (never unpickled). Boilerplate probability ``p``: a passage is ``template`` at
``p >= threshold`` (chosen for ~0.92 precision on the training events), and its novelty
is ``1 - p``, a continuous score rather than bands set by the verdict.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ._features import FEATURES

MODEL_FILE = Path(__file__).with_name("verdict_model.json")
FORMAT = "protocol_match.verdict_model/1"


@dataclass(frozen=True)
class LevelModel:
    """Standardization, weights and the template threshold of one passage level."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float

    def probability(self, rows: np.ndarray) -> np.ndarray:
        """Boilerplate probability of each feature row."""
        rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
        z = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": [round(float(v), 8) for v in self.mean],
            "scale": [round(float(v), 8) for v in self.scale],
            "coef": [round(float(v), 8) for v in self.coef],
            "intercept": round(float(self.intercept), 8),
            "threshold": round(float(self.threshold), 4),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LevelModel:
        return cls(
            np.asarray(d["mean"], float),
            np.asarray(d["scale"], float),
            np.asarray(d["coef"], float),
            float(d["intercept"]),
            float(d["threshold"]),
        )


@dataclass(frozen=True)
class VerdictModel:
    """Per-level models (for the vectors of one embedding backend) and where they came from."""

    levels: Mapping[str, LevelModel]
    features: tuple[str, ...] = FEATURES
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def level(self, level: str) -> LevelModel:
        return self.levels[level]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": FORMAT,
            "features": list(self.features),
            "levels": {k: v.to_dict() for k, v in self.levels.items()},
            "provenance": dict(self.provenance),
        }

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> VerdictModel:
        if d.get("schema") != FORMAT:
            raise ValueError(f"not a {FORMAT} file (schema {d.get('schema')!r})")
        features = tuple(d["features"])
        if features != FEATURES:
            raise ValueError(
                "the model's features do not match this protocol_match's; refit it with "
                "benchmarks/fit_verdicts.py"
            )
        levels = {k: LevelModel.from_dict(v) for k, v in d["levels"].items()}
        return cls(levels, features, d.get("provenance", {}))

    @classmethod
    def load(cls, path: str | Path | None = None, backend: str = "static") -> VerdictModel:
        """The model at ``path`` (default: the one shipped with the package) for vectors of
        ``backend``. A file holds one model per backend it was fitted for; a backend it
        lacks (e.g. onnx-int8, an int8 copy of the full model) takes the nearest one."""
        return _load(str(path or MODEL_FILE), backend)


def save_models(models: Mapping[str, VerdictModel], path: Path) -> None:
    """Write per-backend models into one file (what ``VerdictModel.load`` reads)."""
    data = {"schema": FORMAT + "+backends", "backends": {b: m.to_dict() for b, m in models.items()}}
    Path(path).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


# The backend whose model stands in for one a file lacks.
_NEAREST = {"onnx-int8": "torch", "torch": "onnx-int8"}


@lru_cache(maxsize=8)
def _load(path: str, backend: str) -> VerdictModel:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the verdict model {path}: {exc}") from exc
    if data.get("schema") == FORMAT + "+backends":
        models = data["backends"]
        key = backend if backend in models else _NEAREST.get(backend, "static")
        if key not in models:
            key = next(iter(models))
        return VerdictModel.from_dict(models[key])
    return VerdictModel.from_dict(data)


def fit_level(
    rows: np.ndarray, truth: Sequence[bool], *, precision: float = 0.92, c: float = 1.0
) -> LevelModel:
    """Fit one level's model; its threshold is the lowest probability at which the training
    rows reach ``precision`` (so recall is as high as that precision allows)."""
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(rows, dtype=np.float64)
    y = np.asarray(truth, dtype=bool)
    mean = x.mean(axis=0)
    scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
    lr = LogisticRegression(C=c, max_iter=5000).fit((x - mean) / scale, y)
    model = LevelModel(mean, scale, lr.coef_[0], float(lr.intercept_[0]), 0.5)
    p = model.probability(x)
    return LevelModel(
        mean, scale, lr.coef_[0], float(lr.intercept_[0]), _threshold(p, y, precision)
    )


def _threshold(p: np.ndarray, y: np.ndarray, precision: float) -> float:
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    tp = np.cumsum(ys)
    prec = tp / np.arange(1, len(ys) + 1)
    cut = np.r_[ps[1:] != ps[:-1], True]
    ok = np.flatnonzero(cut & (prec >= precision))
    return float(ps[ok[-1]]) if len(ok) else 1.0
