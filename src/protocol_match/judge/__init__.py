"""Judging: each passage of a new article is called template, reused or novel.

Pure logic over candidates already retrieved from the store's indexes: the match score of
each candidate (``scoring``), the verdict with its novelty and the novel spans inside a
matched passage, formula clauses glued to new facts (``mining``'s clause table), paragraph
verdicts from their sentences, and the article's novelty.
"""

from ._verdicts import (
    Candidate,
    JudgeSettings,
    apply_clause,
    article_novelty,
    judge,
    merge_paragraphs,
    score_candidates,
    to_match,
)

__all__ = [
    "Candidate",
    "JudgeSettings",
    "apply_clause",
    "article_novelty",
    "judge",
    "merge_paragraphs",
    "score_candidates",
    "to_match",
]
