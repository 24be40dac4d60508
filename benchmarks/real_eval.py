"""Scoring predictions on the real corpora, and the plain baselines, for ``real.py``.

Rows are passages (paragraphs or sentences as protocol_match cut them) with their truth
(``real_data.truth_of``); predictions are protocol_match's status and novelty per passage.
Anything with a threshold is fitted on the documents of one half of the events and scored
on the other half (``real_data.event_splits``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from quality_metrics import auc, duplicate_metrics, minhash_matrix, prf
from real_data import Doc, Truth

GRID = np.round(np.arange(0.0, 1.0001, 0.01), 3)
TARGET_PRECISION = 0.90


@dataclass
class Row:
    """One passage: where it is, its truth, and what was predicted for it."""

    doc: str
    event: str
    level: str
    start: int
    end: int
    text: str
    truth: Truth
    status: str = "novel"
    novelty: float = 1.0
    taught_status: str | None = None
    taught_novelty: float | None = None


# ---------------------------------------------------------------- metrics


def recall_at_precision(truth: np.ndarray, score: np.ndarray, target: float) -> dict[str, Any]:
    """The lowest threshold on ``score`` (higher = boilerplate) whose precision reaches
    ``target`` on these rows, and the recall there (oracle on the scored rows)."""
    order = np.argsort(-score, kind="stable")
    t, s = truth[order], score[order]
    tp = np.cumsum(t)
    prec = tp / np.arange(1, len(t) + 1)
    best = {"threshold": None, "recall": 0.0, "precision": None}
    # Only cut between distinct scores: ties cannot be split by a threshold.
    cut = np.r_[s[1:] != s[:-1], True]
    ok = np.flatnonzero(cut & (prec >= target))
    if len(ok) and t.sum():
        i = ok[-1]
        best = {
            "threshold": float(s[i]),
            "recall": round(float(tp[i] / t.sum()), 4),
            "precision": round(float(prec[i]), 4),
        }
    return best


def fitted_threshold(truth: np.ndarray, score: np.ndarray, target: float | None) -> float:
    """On the fit half: the threshold reaching ``target`` precision with the most recall, or
    (``target`` None) the one with the best F1."""
    if target is not None:
        found = recall_at_precision(truth, score, target)["threshold"]
        return float("inf") if found is None else found
    best_t, best_f = 1.0, -1.0
    for t in GRID:
        f = prf(truth, score >= t)["f1"]
        if f > best_f:
            best_t, best_f = float(t), f
    return best_t


def verdict_metrics(rows: Sequence[Row], *, taught: bool = False) -> dict[str, Any]:
    """P/R/F1 of the ``template`` verdict and the ranking quality of the novelty score."""
    truth = np.asarray([r.truth.boilerplate for r in rows])
    status = [r.taught_status if taught else r.status for r in rows]
    novelty = np.asarray([r.taught_novelty if taught else r.novelty for r in rows], dtype=float)
    out = {
        "template": prf(truth, [s == "template" for s in status]),
        "template_or_reused": prf(truth, [s in ("template", "reused") for s in status]),
    }
    if 0 < truth.sum() < len(truth):
        out["novelty_auc"] = auc(truth, 1.0 - novelty)
        out["recall_at_p90_oracle"] = recall_at_precision(truth, 1.0 - novelty, 0.90)["recall"]
        out["recall_at_p95_oracle"] = recall_at_precision(truth, 1.0 - novelty, 0.95)["recall"]
    return out


def split_score_metrics(
    fit: Sequence[Row], held: Sequence[Row], fit_score: np.ndarray, held_score: np.ndarray
) -> dict[str, Any]:
    """A continuous score (higher = boilerplate) judged honestly: thresholds for best F1 and
    for 90% precision fitted on ``fit``, applied to ``held``; plus ROC-AUC on ``held``."""
    ft = np.asarray([r.truth.boilerplate for r in fit])
    ht = np.asarray([r.truth.boilerplate for r in held])
    t_f1 = fitted_threshold(ft, fit_score, None)
    t_p90 = fitted_threshold(ft, fit_score, TARGET_PRECISION)
    at_p90 = prf(ht, held_score >= t_p90)
    return {
        "best_f1_threshold": t_f1,
        "template": prf(ht, held_score >= t_f1),
        "auc": auc(ht, held_score) if 0 < ht.sum() < len(ht) else None,
        "at_p90_threshold": {"precision": at_p90["precision"], "recall": at_p90["recall"]},
        "recall_at_p90_oracle": recall_at_precision(ht, held_score, 0.90)["recall"],
    }


def family_recall(rows: Sequence[Row]) -> dict[str, dict[str, Any]]:
    """Per formula/chrome family: labelled passages and the share called template."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r.truth.boilerplate:
            fam = out.setdefault(r.truth.family or "?", {"n": 0, "found": 0})
            fam["n"] += 1
            fam["found"] += r.status == "template"
    for fam in out.values():
        fam["recall"] = round(fam["found"] / fam["n"], 3)
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["n"]))


def duplicate_scores(
    groups: Sequence[Sequence[str]], docs: Sequence[Doc], keep: set[str]
) -> dict[str, Any]:
    """Pair P/R/F1 and ARI of predicted groups on the documents of the ``keep`` events."""
    ids = [d.id for d in docs if d.event in keep]
    idset = set(ids)
    story_of = {d.id: d.event for d in docs}
    sub = [[a for a in g if a in idset] for g in groups]
    return duplicate_metrics([g for g in sub if len(g) > 1], story_of, ids)


# ---------------------------------------------------------------- baselines


def best_other_event(
    sims: np.ndarray, events: Sequence[str], ref_events: Sequence[str]
) -> np.ndarray:
    """Each query row's best similarity to a reference of another event."""
    q = np.asarray(events)[:, None]
    r = np.asarray(ref_events)[None, :]
    masked = np.where(q == r, -np.inf, sims)
    best = masked.max(axis=1)
    return np.where(np.isfinite(best), best, 0.0)


def passage_baselines(rows: Sequence[Row], vectors: np.ndarray) -> dict[str, np.ndarray]:
    """Per row: best plain-embedding cosine, TF-IDF cosine and MinHash Jaccard (word
    3-shingles) to a passage of another event at the same level (higher = boilerplate)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [r.text for r in rows]
    events = [r.event for r in rows]
    out = {"cosine": best_other_event(vectors @ vectors.T, events, events)}
    tf = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)).fit_transform(texts)
    out["tfidf"] = best_other_event((tf @ tf.T).toarray(), events, events)
    sig = minhash_matrix(texts)
    jac = np.stack([(sig[i][None, :] == sig).mean(axis=1) for i in range(len(texts))])
    out["minhash"] = best_other_event(jac, events, events)
    return out


def doc_similarities(docs: Sequence[Doc], doc_vectors: np.ndarray) -> dict[str, np.ndarray]:
    """All-pairs whole-document similarity of three plain methods (zero diagonal)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [d.text for d in docs]
    out = {"cosine": doc_vectors @ doc_vectors.T}
    tf = TfidfVectorizer(sublinear_tf=True).fit_transform(texts)
    out["tfidf"] = (tf @ tf.T).toarray()
    sig = minhash_matrix(texts)
    out["minhash"] = np.stack([(sig[i][None, :] == sig).mean(axis=1) for i in range(len(texts))])
    for m in out.values():
        np.fill_diagonal(m, 0.0)
    return out


def duplicate_baseline(
    docs: Sequence[Doc], sims: np.ndarray, fit: set[str], held: set[str]
) -> dict[str, Any]:
    """Pairs at or above a threshold (best pair F1 on the fit events) grouped by connected
    components, scored on the held-out events."""
    from quality_metrics import groups_at

    ids = [d.id for d in docs]
    best_t, best_f = 1.0, -1.0
    for t in GRID:
        f = duplicate_scores(groups_at(ids, sims, t), docs, fit)["f1"]
        if f > best_f:
            best_t, best_f = float(t), f
    return {"threshold": best_t, **duplicate_scores(groups_at(ids, sims, best_t), docs, held)}


def mean_sd(values: Sequence[dict[str, Any]], path: Sequence[str]) -> dict[str, float] | None:
    """Mean and sd over splits of the number at ``path`` in each split's result."""
    nums = []
    for v in values:
        for key in path:
            v = v.get(key) if isinstance(v, dict) else None
        if isinstance(v, (int, float)) and v is not None:
            nums.append(float(v))
    if not nums:
        return None
    return {"mean": round(float(np.mean(nums)), 4), "sd": round(float(np.std(nums)), 4)}
