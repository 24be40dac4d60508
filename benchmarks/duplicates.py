"""Near-duplicate article detection on the hard synthetic set, against lexical baselines.

Generates a corpus with hard duplicate cases (``generate_corpus(..., hard_duplicates=...)``:
stories retold by other outlets in other words, and twin events of the same host, week and
formulas), indexes it with ``Corpus.add`` and scores ``Corpus.duplicates()`` against the
stories: pair precision/recall/F1 and adjusted Rand index, on all articles, on the hard set
only and on the main (syndicated-copy) set only, plus how many twin pairs (hard negatives) got
merged. Baselines: whole-document MinHash (word 3-shingles) and TF-IDF cosine.

Thresholds are honest: the method is scored at its default threshold, and every score is
also reported at the threshold that is best on the *tuning* seed, applied to the *evaluation*
seed; the baselines' oracle (best on the evaluation seed itself) is reported too.

    python benchmarks/duplicates.py --quick
    python benchmarks/duplicates.py --n 300 --seed 0 --tune-seed 1 --backend torch
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import machine_info, write_json
from quality_metrics import (
    GRID,
    baseline_similarities,
    duplicate_metrics,
    groups_at,
    merged_pairs,
    scored_groups,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from protocol_match.corpus import Corpus  # noqa: E402
from protocol_match.mining import DEFAULT_DUPLICATE_THRESHOLD  # noqa: E402
from protocol_match.synth import SynthCorpus, generate_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SUBSETS = ("all", "hard", "main")


def scored_pairs(synth: SynthCorpus, store: Path, backend: str, embedder: Any) -> tuple:
    """Index the corpus (or reuse the store) and return every pair ``Corpus.duplicates``
    scores above the grid's lowest threshold, with the seconds it took."""
    corpus = Corpus.open(store, create=True, backend=backend)
    if embedder is not None:
        corpus._embedder = embedder
    t0 = time.perf_counter()
    corpus.add(list(synth.articles))
    index_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    groups = corpus.duplicates(threshold=float(GRID[0]))
    dup_s = time.perf_counter() - t0
    corpus.close()
    pairs = {frozenset((p.a, p.b)): p.score for g in groups for p in g.pairs}
    return pairs, round(index_s, 1), round(dup_s, 2)


def _subset_ids(synth: SynthCorpus) -> dict[str, list[str]]:
    ids = [a.id for a in synth.articles]
    return {
        "all": ids,
        "hard": [a for a in ids if a in synth.role_of],
        "main": [a for a in ids if a not in synth.role_of],
    }


def method_scores(synth: SynthCorpus, pairs: dict, threshold: float) -> dict[str, Any]:
    """Pair metrics per subset and merged twin pairs of the groups at ``threshold``."""
    subsets = _subset_ids(synth)
    groups = scored_groups(subsets["all"], pairs, threshold)
    out: dict[str, Any] = {"threshold": threshold}
    for name in SUBSETS:
        if subsets[name]:  # no hard set with --hard 0
            out[name] = duplicate_metrics(groups, synth.story_of, subsets[name])
    out["twin_pairs"] = len(synth.twin_pairs())
    out["twin_pairs_merged"] = merged_pairs(groups, synth.twin_pairs())
    return out


def best_method_threshold(synth: SynthCorpus, pairs: dict) -> float:
    """The grid threshold with the best pair F1 on all articles of ``synth``."""
    scores = {float(t): method_scores(synth, pairs, float(t))["all"]["f1"] for t in GRID}
    return max(scores, key=lambda t: (scores[t], -abs(t - DEFAULT_DUPLICATE_THRESHOLD)))


def baseline_scores(synth: SynthCorpus, kind: str, tuned: float | None) -> dict[str, Any]:
    """A baseline's oracle (best threshold on this corpus) and, with ``tuned``, its scores
    at a threshold chosen on the tuning seed; per subset, with merged twin pairs."""
    ids = [a.id for a in synth.articles]
    sims = baseline_similarities([a.text for a in synth.articles], kind)
    subsets = _subset_ids(synth)
    oracle = max(
        GRID, key=lambda t: duplicate_metrics(groups_at(ids, sims, t), synth.story_of, ids)["f1"]
    )
    out: dict[str, Any] = {}
    for mode, thr in (("oracle", float(oracle)), ("tuned", tuned)):
        if thr is None:
            continue
        groups = groups_at(ids, sims, thr)
        out[mode] = {"threshold": thr}
        for name in SUBSETS:
            if subsets[name]:
                out[mode][name] = duplicate_metrics(groups, synth.story_of, subsets[name])
        out[mode]["twin_pairs"] = len(synth.twin_pairs())
        out[mode]["twin_pairs_merged"] = merged_pairs(groups, synth.twin_pairs())
    return out


def main(argv: list[str] | None = None) -> int:
    """CLI: run the benchmark, print a table, write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300, help="main-stream articles per corpus")
    ap.add_argument("--hard", type=float, default=1.0, help="hard cases per main article")
    ap.add_argument("--seed", type=int, default=0, help="evaluation seed")
    ap.add_argument("--tune-seed", type=int, default=1, help="seed thresholds are chosen on")
    ap.add_argument("--noise", default="default")
    ap.add_argument("--backend", choices=("torch", "static", "onnx-int8"), default="static")
    ap.add_argument("--work", type=Path, default=None, help="keep and reuse stores here")
    ap.add_argument("--quick", action="store_true", help="--n 120")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/duplicates.json")
    args = ap.parse_args(argv)
    if args.quick:
        args.n = 120
    from protocol_match.embed import load_embedder

    embedder = load_embedder(backend=args.backend)
    results: dict[str, Any] = {
        "machine": machine_info(),
        "backend": args.backend,
        "n": args.n,
        "hard": args.hard,
        "noise": args.noise,
        "seed": args.seed,
        "tune_seed": args.tune_seed,
        "default_threshold": DEFAULT_DUPLICATE_THRESHOLD,
    }
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        data = {}
        for role, seed in (("tune", args.tune_seed), ("eval", args.seed)):
            synth = generate_corpus(args.n, seed=seed, noise=args.noise, hard_duplicates=args.hard)
            digest = hashlib.sha1("".join(a.text for a in synth.articles).encode()).hexdigest()
            store = work / f"dup-n{args.n}-s{seed}-{args.noise}-{args.backend}-{digest[:10]}"
            pairs, index_s, dup_s = scored_pairs(synth, store, args.backend, embedder)
            data[role] = (synth, pairs)
            results[f"{role}_timings"] = {"index_s": index_s, "duplicates_s": dup_s}
            results[f"{role}_articles"] = len(synth.articles)
        synth_t, pairs_t = data["tune"]
        synth_e, pairs_e = data["eval"]
        tuned = best_method_threshold(synth_t, pairs_t)
        results["method"] = {
            "default": method_scores(synth_e, pairs_e, DEFAULT_DUPLICATE_THRESHOLD),
            "tuned": method_scores(synth_e, pairs_e, tuned),
            "oracle": method_scores(synth_e, pairs_e, best_method_threshold(synth_e, pairs_e)),
        }
        results["baselines"] = {}
        for kind in ("minhash", "tfidf"):
            tuned_b = baseline_scores(synth_t, kind, None)["oracle"]["threshold"]
            results["baselines"][kind] = baseline_scores(synth_e, kind, tuned_b)
    results["total_s"] = round(time.perf_counter() - t_start, 1)
    print_table(results)
    write_json(args.out, results)
    sys.stdout.write(f"wrote {args.out} ({results['total_s']:.0f} s)\n")
    return 0


def print_table(results: dict[str, Any]) -> None:
    """One row per method and threshold choice: F1 and ARI per subset, twin merges."""
    w = sys.stdout.write
    w(
        f"duplicates: n={results['n']}+hard x{results['hard']}, noise {results['noise']}, "
        f"eval seed {results['seed']}, thresholds tuned on seed {results['tune_seed']}, "
        f"backend {results['backend']}\n"
    )
    w(f"{'method':<24} {'thr':>5}")
    for name in SUBSETS:
        w(f" {name + ' P':>7} {name + ' R':>7} {name + ' F1':>8} {name + ' ARI':>8}")
    w(f" {'twins merged':>13}\n")
    rows = [(f"protocol_match {k}", v) for k, v in results["method"].items()]
    for kind, modes in results["baselines"].items():
        rows += [(f"{kind} {k}", v) for k, v in modes.items()]
    for label, m in rows:
        w(f"{label:<24} {m['threshold']:5.3f}")
        for name in SUBSETS:
            s = m.get(name)
            if s is None:
                w(f" {'-':>7} {'-':>7} {'-':>8} {'-':>8}")
                continue
            w(f" {s['precision']:7.3f} {s['recall']:7.3f} {s['f1']:8.3f} {s['ari']:8.3f}")
        tw = f"{m['twin_pairs_merged']}/{m['twin_pairs']}"
        w(f" {tw:>13}\n")


if __name__ == "__main__":
    raise SystemExit(main())
