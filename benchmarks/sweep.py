"""Sweep of the match threshold and min_support on the labeled synthetic corpus.

Where the defaults come from: for each noise level a corpus is generated
(``protocol_match.synth``), whole stories are held out as queries (as in ``quality.py``), the
rest is indexed once, and for every (threshold, min_support) pair templates are mined again
and every query compared with those settings. Reported per pair: template-sentence F1
(``template`` or ``reused`` counts as found), paragraph F1, novelty ROC-AUC and novel-span
token F1 — the same metrics as ``quality.py``. Pick the defaults on a development seed and
check them on another:

    python benchmarks/sweep.py --seed 0                      # development seed
    python benchmarks/sweep.py --seed 1 --thresholds 0.62    # the chosen value, reporting seed

The static backend is the default here (the sweep re-compares every query for each pair;
``quality.py --backend static`` shows it gives the full model's verdicts on this corpus).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from _common import machine_info, write_json
from quality import _method_rows, is_templated, span_token_f1, split_stories
from quality_metrics import auc, prf

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from protocol_match.corpus import Corpus  # noqa: E402
from protocol_match.synth import generate_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def score(reports: Sequence[Any], synth: Any) -> dict[str, float]:
    """Sentence/paragraph F1, novelty AUC and span F1 of one set of compare reports."""
    sent_rows, para_rows = _method_rows(reports, synth)
    truth = np.asarray([is_templated(r["label"]) for r in sent_rows])
    pred = np.asarray([r["status"] != "novel" for r in sent_rows])
    sent = prf(truth, pred)
    para = prf(
        np.asarray([r["truth"] for r in para_rows]),
        np.asarray([r["status"] != "novel" for r in para_rows]),
    )
    return {
        "sentence_f1": sent["f1"],
        "sentence_precision": sent["precision"],
        "sentence_recall": sent["recall"],
        "paragraph_f1": para["f1"],
        "novelty_auc": auc(~truth, [r["novelty"] for r in sent_rows]),
        "span_f1": span_token_f1(sent_rows)["f1"],
    }


def sweep_noise(noise: str, args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    """Every (threshold, min_support) pair on one generated corpus."""
    synth = generate_corpus(args.n, seed=args.seed, noise=noise)
    corpus_arts, queries = split_stories(synth, args.queries, args.seed)
    store = work / f"sweep-n{args.n}-s{args.seed}-{noise}-{args.backend}"
    corpus = Corpus.open(store, create=True, backend=args.backend)
    corpus.add(corpus_arts)
    rows = []
    for threshold in args.thresholds:
        for min_support in args.min_supports:
            t0 = time.perf_counter()
            corpus.templates(min_support=min_support, threshold=threshold, refresh=True)
            reports = [
                corpus.compare(a, min_support=min_support, threshold=threshold) for a in queries
            ]
            row = {"noise": noise, "threshold": threshold, "min_support": min_support}
            row.update(score(reports, synth))
            row["seconds"] = round(time.perf_counter() - t0, 1)
            rows.append(row)
            sys.stderr.write(
                f"{noise} t={threshold:.2f} s={min_support}: F1 {row['sentence_f1']:.3f} "
                f"AUC {row['novelty_auc']:.3f} span {row['span_f1']:.3f}\n"
            )
    corpus.close()
    return rows


def best_pair(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The pair with the best mean sentence F1 over noise levels (ties: mean AUC)."""
    pairs: dict[tuple[float, int], list[dict[str, Any]]] = {}
    for r in rows:
        pairs.setdefault((r["threshold"], r["min_support"]), []).append(r)
    ranked = sorted(
        pairs.items(),
        key=lambda kv: (
            -np.mean([r["sentence_f1"] for r in kv[1]]),
            -np.mean([r["novelty_auc"] for r in kv[1]]),
        ),
    )
    (threshold, min_support), best = ranked[0]
    return {
        "threshold": threshold,
        "min_support": min_support,
        "mean_sentence_f1": round(float(np.mean([r["sentence_f1"] for r in best])), 4),
        "mean_novelty_auc": round(float(np.mean([r["novelty_auc"] for r in best])), 4),
    }


def print_table(rows: Sequence[dict[str, Any]]) -> None:
    print(f"{'noise':<8}{'thresh':>7}{'minsup':>7}{'sentF1':>8}{'P':>7}{'R':>7}"
          f"{'paraF1':>8}{'AUC':>7}{'spanF1':>8}")  # fmt: skip
    for r in rows:
        print(
            f"{r['noise']:<8}{r['threshold']:>7.2f}{r['min_support']:>7}"
            f"{r['sentence_f1']:>8.3f}{r['sentence_precision']:>7.3f}{r['sentence_recall']:>7.3f}"
            f"{r['paragraph_f1']:>8.3f}{r['novelty_auc']:>7.3f}{r['span_f1']:>8.3f}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300, help="articles per noise level")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--noise", default="low,default,high")
    ap.add_argument("--queries", type=int, default=40, help="held-out query stories")
    ap.add_argument("--thresholds", default="0.56,0.59,0.62,0.65,0.68")
    ap.add_argument("--min-supports", default="2,3,4")
    ap.add_argument("--backend", choices=("torch", "static", "onnx-int8"), default="static")
    ap.add_argument("--work", type=Path, default=None, help="keep stores here (default: temp)")
    ap.add_argument("--out", type=Path, default=None, help="JSON path (default: results/)")
    args = ap.parse_args(argv)
    args.thresholds = [float(x) for x in args.thresholds.split(",")]
    args.min_supports = [int(x) for x in args.min_supports.split(",")]
    out = args.out or ROOT / f"benchmarks/results/sweep-seed{args.seed}.json"
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        for noise in [x.strip() for x in args.noise.split(",") if x.strip()]:
            rows.extend(sweep_noise(noise, args, work))
    print_table(rows)
    best = best_pair(rows)
    print(f"best mean sentence F1: threshold {best['threshold']}, min_support "
          f"{best['min_support']} ({best['mean_sentence_f1']:.3f}, AUC "
          f"{best['mean_novelty_auc']:.3f})")  # fmt: skip
    write_json(
        out,
        {
            "benchmark": "sweep",
            "command": " ".join(["python", "benchmarks/sweep.py", *(argv or sys.argv[1:])]),
            "machine": machine_info(),
            "n": args.n,
            "seed": args.seed,
            "backend": args.backend,
            "rows": rows,
            "best": best,
            "total_s": round(time.perf_counter() - t0, 1),
        },
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
