"""Metrics and lexical baselines for the quality benchmark (``quality.py``).

Pure functions over labels, predictions, scores and texts: precision/recall/F1, ROC-AUC,
duplicate-pair metrics and adjusted Rand index, and the MinHash (word 3-shingles) and
TF-IDF baselines with their best (oracle) thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from protocol_match.scoring import tokens

GRID = np.round(np.arange(0.05, 1.0, 0.025), 3)


# ---------------------------------------------------------------- metrics


def prf(y_true: Sequence[bool], y_pred: Sequence[bool]) -> dict[str, float]:
    from sklearn.metrics import precision_recall_fscore_support

    if not len(y_true):
        return {"precision": float("nan"), "recall": float("nan"), "f1": float("nan"), "n": 0}
    p, r, f, _ = precision_recall_fscore_support(
        np.asarray(y_true, bool), np.asarray(y_pred, bool), average="binary", zero_division=0
    )
    return {
        "precision": round(float(p), 4),
        "recall": round(float(r), 4),
        "f1": round(float(f), 4),
        "n": len(y_true),
        "positives": int(np.sum(y_true)),
    }


def best_threshold(y_true: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    """The threshold on ``scores`` that maximizes F1 (oracle: fitted on the scored data)."""
    best = {"threshold": None, "f1": -1.0}
    for t in GRID:
        m = prf(y_true, scores >= t)
        if m["f1"] > best["f1"]:
            best = {"threshold": float(t), **m}
    return best


def auc(y_true: Sequence[bool], scores: Sequence[float]) -> float:
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(np.asarray(y_true, bool), np.asarray(scores))), 4)


def pairs_of_groups(groups: Sequence[Sequence[str]]) -> set[frozenset[str]]:
    return {frozenset((a, b)) for g in groups for i, a in enumerate(g) for b in g[i + 1 :]}


def duplicate_metrics(
    pred_groups: Sequence[Sequence[str]], story_of: dict[str, str], ids: Sequence[str]
) -> dict[str, float]:
    """Pair precision/recall/F1 and adjusted Rand index of predicted groups vs true stories."""
    from sklearn.metrics import adjusted_rand_score

    idset = set(ids)
    truth: dict[str, list[str]] = {}
    for a in ids:
        truth.setdefault(story_of[a], []).append(a)
    true_pairs = pairs_of_groups(list(truth.values()))
    pred_pairs = {p for p in pairs_of_groups(pred_groups) if p <= idset}
    tp = len(true_pairs & pred_pairs)
    p = tp / len(pred_pairs) if pred_pairs else 0.0
    r = tp / len(true_pairs) if true_pairs else 0.0
    label = {a: a for a in ids}
    for g in pred_groups:
        for a in g:
            label[a] = g[0]
    ari = adjusted_rand_score([story_of[a] for a in ids], [label[a] for a in ids])
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "ari": round(float(ari), 4),
        "true_pairs": len(true_pairs),
        "predicted_pairs": len(pred_pairs),
    }


def components(n: int, edges: np.ndarray) -> list[list[int]]:
    """Connected components (size > 1) of an undirected graph given as (i, j) rows."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if len(edges) == 0:
        return []
    g = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, lab = connected_components(g, directed=False)
    groups: dict[int, list[int]] = {}
    for i, c in enumerate(lab):
        groups.setdefault(int(c), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


# ---------------------------------------------------------------- baselines


def minhash_matrix(texts: Sequence[str], num_perm: int = 128) -> np.ndarray:
    """MinHash signatures over word 3-shingles (lower-cased), one row per text."""
    from datasketch import MinHash

    sets = []
    for t in texts:
        words = [w.lower() for _, _, w in tokens(t)]
        sh = {" ".join(words[i : i + 3]).encode() for i in range(max(1, len(words) - 2))}
        sets.append(list(sh) or [b""])
    return np.stack([m.hashvalues for m in MinHash.bulk(sets, num_perm=num_perm, seed=1)])


def minhash_max(queries: np.ndarray, refs: np.ndarray, chunk: int = 64) -> np.ndarray:
    """Estimated Jaccard of each query with its best reference (exhaustive over the
    signatures: what an LSH index at the same threshold would approximate)."""
    out = np.zeros(len(queries))
    for i in range(0, len(queries), chunk):
        q = queries[i : i + chunk]
        eq = (q[:, None, :] == refs[None, :, :]).mean(axis=2)
        out[i : i + chunk] = eq.max(axis=1)
    return out


def tfidf_max(queries: Sequence[str], refs: Sequence[str]) -> np.ndarray:
    """Best cosine of each query with a reference in a TF-IDF space fitted on the refs."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1).fit(refs)
    sims = vec.transform(queries) @ vec.transform(refs).T
    return np.asarray(sims.max(axis=1).todense()).ravel()


def baseline_similarities(texts: Sequence[str], kind: str) -> np.ndarray:
    """All-pairs whole-document similarity: MinHash Jaccard (``kind="minhash"``, word
    3-shingles) or TF-IDF cosine (``"tfidf"``); zero diagonal."""
    if kind == "minhash":
        sig = minhash_matrix(texts)
        sims = np.stack([(sig[i][None, :] == sig).mean(axis=1) for i in range(len(texts))])
    else:
        from sklearn.feature_extraction.text import TfidfVectorizer

        m = TfidfVectorizer(sublinear_tf=True).fit_transform(texts)
        sims = (m @ m.T).toarray()
    np.fill_diagonal(sims, 0)
    return sims


def groups_at(ids: Sequence[str], sims: np.ndarray, threshold: float) -> list[list[str]]:
    """Connected components of the pairs whose similarity reaches ``threshold``."""
    edges = np.argwhere(np.triu(sims >= threshold))
    return [[ids[i] for i in g] for g in components(len(ids), edges)]


def duplicate_baseline(
    texts: Sequence[str],
    ids: Sequence[str],
    story_of: dict,
    kind: str,
    *,
    threshold: float | None = None,
    score_ids: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Pair metrics of whole-document MinHash Jaccard or TF-IDF cosine groups.

    With ``threshold`` None, the best pair F1 over the grid (oracle); else at ``threshold``
    (e.g. one chosen on another seed). ``score_ids`` restricts the scored pairs to a subset.
    """
    sims = baseline_similarities(texts, kind)
    grid = GRID if threshold is None else [threshold]
    best: dict[str, Any] = {"f1": -1.0}
    for t in grid:
        m = duplicate_metrics(groups_at(ids, sims, t), story_of, score_ids or ids)
        if m["f1"] > best["f1"]:
            best = {"threshold": float(t), **m}
    return best


def merged_pairs(pred_groups: Sequence[Sequence[str]], forbidden: set[frozenset[str]]) -> int:
    """How many of the ``forbidden`` pairs (hard negatives) the groups put together."""
    return len(pairs_of_groups(pred_groups) & forbidden)


def scored_groups(
    ids: Sequence[str], scored: dict[frozenset[str], float], threshold: float
) -> list[list[str]]:
    """Connected components of the scored pairs at or above ``threshold``."""
    pos = {a: i for i, a in enumerate(ids)}
    edges = np.asarray(
        [sorted((pos[a], pos[b])) for p, s in scored.items() if s >= threshold for a, b in [p]],
        dtype=np.int64,
    ).reshape(-1, 2)
    return [[ids[i] for i in g] for g in components(len(ids), edges)]
