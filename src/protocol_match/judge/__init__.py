"""Judging: each passage of a new article is called template, reused or novel.

Pure logic over candidates already retrieved from the store's indexes: the match score of
each candidate (``scoring``), the label-free features of a passage (how widely and how
closely its wording recurs in other stories, and its shape), the verdict model that turns
them into a boilerplate probability (fitted on hand-labelled real articles, shipped as
JSON), the verdict with its novelty and the novel spans inside a matched passage, and the
article's novelty.
"""

from ._features import FEATURES, Neighbour, Position, passage_features
from ._model import MODEL_FILE, LevelModel, VerdictModel, fit_level, save_models
from ._verdicts import (
    Candidate,
    JudgeSettings,
    article_novelty,
    judge,
    score_candidates,
    to_match,
)

__all__ = [
    "FEATURES",
    "MODEL_FILE",
    "Candidate",
    "JudgeSettings",
    "LevelModel",
    "Neighbour",
    "Position",
    "VerdictModel",
    "article_novelty",
    "fit_level",
    "judge",
    "passage_features",
    "save_models",
    "score_candidates",
    "to_match",
]
