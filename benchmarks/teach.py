"""Learning curve of "teach it your beat": a simulated user labels stories, scored on others.

On a generated corpus (``protocol_match.synth``), whole stories are held out as query articles
(as in ``quality.py``) and the rest are indexed. The simulated user labels every sentence and
paragraph of one article of each of N corpus stories (N = 0, 10, 30, 60) as boilerplate
(formula/chrome) or content, from the generator's ground truth — except sentences of the
*unseen* formula families, which are never labelled, so we can see whether what is learned
transfers to formulas the user never showed. The queries are then compared and every
labelled query sentence scored:

- recall at precision >= 0.90 of the boilerplate score (the model's p(boilerplate); with no
  labels the unsupervised 1 - novelty), over all sentences, over seen-family formulas + all
  content, and over unseen-family formulas + all content;
- precision/recall/F1 of the final statuses (template or reused = boilerplate).

    python benchmarks/teach.py --quick
    python benchmarks/teach.py --n 300 --queries 40 --stories 0,10,30,60
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from _common import machine_info, write_json
from quality import _covering, split_stories

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from protocol_match.corpus import Corpus  # noqa: E402
from protocol_match.learn import Label, save_labels  # noqa: E402
from protocol_match.learn import _model as learn  # noqa: E402
from protocol_match.synth import SynthCorpus, generate_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TEMPLATED = ("formula", "chrome")
# Formula families the simulated user never labels (about a quarter of the formula sentences).
UNSEEN = ("strategic_alliance", "joint_exercises", "condolences", "visit_program", "gratitude")
TARGET_PRECISION = 0.90


def user_labels(synth: SynthCorpus, articles: Sequence, n_stories: int, seed: int) -> list[Label]:
    """What a user labelling ``n_stories`` stories (one article each) would give."""
    first: dict[str, Any] = {}
    for a in articles:
        first.setdefault(synth.story_of[a.id], a)
    order = sorted(first)
    random.Random(seed).shuffle(order)
    out: list[Label] = []
    for story in order[:n_stories]:
        art = first[story]
        labs = synth.labels_for(art.id)
        # Unseen-family formulas are never labelled, nor paragraphs holding one.
        for lab in labs:
            if lab.kind in TEMPLATED and lab.family in UNSEEN:
                continue
            kind = "boilerplate" if lab.kind in TEMPLATED else "content"
            out.append(Label(art.text[lab.start : lab.end], kind, lab.family, art.id))
        pos = 0
        for chunk in art.text.split("\n\n"):
            start, end = pos, pos + len(chunk)
            pos = end + 2
            inside = [lab for lab in labs if lab.start >= start and lab.end <= end]
            if len(inside) < 2 or any(lab.family in UNSEEN for lab in inside):
                continue
            tmpl = sum(lab.end - lab.start for lab in inside if lab.kind in TEMPLATED)
            kind = (
                "boilerplate"
                if tmpl * 2 >= sum(lab.end - lab.start for lab in inside)
                else "content"
            )
            out.append(Label(chunk, kind, None, art.id))
    return out


def recall_at_precision(truth: np.ndarray, score: np.ndarray, target: float) -> float:
    """Highest recall of ``score >= t`` over thresholds t whose precision is >= ``target``."""
    if not truth.any():
        return 0.0
    order = np.argsort(-score, kind="stable")
    t, s = truth[order], score[order]
    tp = np.cumsum(t)
    prec = tp / np.arange(1, len(t) + 1)
    # Only cut between distinct scores: ties go in together.
    cut = np.r_[s[1:] != s[:-1], True]
    ok = cut & (prec >= target)
    return round(float(tp[ok].max() / t.sum()), 4) if ok.any() else 0.0


def prf(truth: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    tp = int((truth & pred).sum())
    p = tp / max(1, int(pred.sum()))
    r = tp / max(1, int(truth.sum()))
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
    }


def score_queries(corpus: Corpus, synth: SynthCorpus, queries: Sequence) -> dict[str, Any]:
    """Compare every query; metrics per subset (all, seen families, unseen families)."""
    rows = []
    t0 = time.perf_counter()
    with learn.explaining(corpus):
        for q in queries:
            rep = corpus.compare(q)
            notes = learn.last_explanations(corpus, q.id)
            for lab in synth.labels_for(q.id):
                r = _covering(rep.sentences, lab.start, lab.end)
                e = notes.get(("sentence", r.passage.index)) if r else None
                prob = e.probability if e is not None else None
                score = prob if prob is not None else (1.0 - r.novelty if r else 0.0)
                rows.append(
                    (
                        lab.kind in TEMPLATED,
                        lab.family,
                        score,
                        bool(r) and r.status != "novel",
                        prob is not None,
                    )
                )
    took = time.perf_counter() - t0
    truth = np.asarray([r[0] for r in rows])
    fam = [r[1] for r in rows]
    score = np.asarray([r[2] for r in rows], dtype=float)
    pred = np.asarray([r[3] for r in rows])
    unseen = np.asarray([f in UNSEEN for f in fam]) & truth
    out: dict[str, Any] = {"compare_s": round(took, 1), "model": bool(rows and rows[0][4])}
    for name, keep in (
        ("all", np.ones(len(rows), bool)),
        ("seen", ~truth | (truth & ~unseen)),
        ("unseen", ~truth | unseen),
    ):
        out[name] = {
            "recall_at_p90": recall_at_precision(truth[keep], score[keep], TARGET_PRECISION),
            "status": prf(truth[keep], pred[keep]),
            "positives": int(truth[keep].sum()),
            "negatives": int((~truth[keep]).sum()),
        }
    return out


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from protocol_match.embed import load_embedder

    synth = generate_corpus(args.n, seed=args.seed, noise=args.noise)
    corpus_arts, queries = split_stories(synth, args.queries, args.seed)
    digest = hashlib.sha1("".join(a.text for a in corpus_arts).encode()).hexdigest()[:10]
    store = work / f"teach-n{args.n}-s{args.seed}-{args.noise}-{digest}"
    embedder = load_embedder()
    t0 = time.perf_counter()
    corpus = Corpus.open(store, create=True)
    corpus._embedder = embedder
    corpus.add(corpus_arts)
    corpus.templates()
    index_s = round(time.perf_counter() - t0, 1)
    curve = []
    for n in args.stories:
        labels = user_labels(synth, corpus_arts, n, args.seed)
        # Start each point from no labels (the simulated user labels n stories, not n more).
        conn = corpus.store._conn
        conn.execute("DROP TABLE IF EXISTS labels")
        conn.execute("DROP TABLE IF EXISTS template_curation")
        conn.commit()
        t0 = time.perf_counter()
        if labels:
            save_labels(corpus.store, labels)
        learn._prepare(corpus)
        fit_s = round(time.perf_counter() - t0, 2)
        res = score_queries(corpus, synth, queries)
        point = {
            "stories": n,
            "labels": len(labels),
            "boilerplate_labels": sum(lab.label == "boilerplate" for lab in labels),
            "fit_s": fit_s,
            **res,
        }
        curve.append(point)
        sys.stderr.write(
            f"{n:3d} stories ({len(labels)} labels): R@P90 all {res['all']['recall_at_p90']:.3f} "
            f"seen {res['seen']['recall_at_p90']:.3f} unseen {res['unseen']['recall_at_p90']:.3f}"
            f"  F1 {res['all']['status']['f1']:.3f}  fit {fit_s}s\n"
        )
    corpus.close()
    return {
        "n": args.n,
        "seed": args.seed,
        "noise": args.noise,
        "queries": len(queries),
        "corpus_articles": len(corpus_arts),
        "unseen_families": list(UNSEEN),
        "target_precision": TARGET_PRECISION,
        "index_s": index_s,
        "curve": curve,
    }


def plot(results: dict[str, Any], path: Path) -> None:
    """Recall at P>=0.90 and status F1 against labelled stories."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [p["stories"] for p in results["curve"]]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for name, style in (("all", "o-"), ("seen", "s--"), ("unseen", "^:")):
        axes[0].plot(xs, [p[name]["recall_at_p90"] for p in results["curve"]], style, label=name)
        axes[1].plot(xs, [p[name]["status"]["f1"] for p in results["curve"]], style, label=name)
    axes[0].axhline(0.9, color="grey", lw=0.8)
    axes[0].set_title("recall at precision >= 0.90 (boilerplate score)")
    axes[1].set_title("F1 of the final statuses")
    for ax in axes:
        ax.set_xlabel("labelled stories")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(
        f"Teaching on the synthetic corpus (n={results['n']}, noise {results['noise']}, "
        f"{results['queries']} held-out query stories; unseen = families never labelled)"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300, help="articles in the generated corpus")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--noise", default="default")
    ap.add_argument("--queries", type=int, default=40, help="held-out query stories")
    ap.add_argument("--stories", default="0,10,30,60", help="labelled stories per point")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/teach.json")
    ap.add_argument("--work", type=Path, default=None, help="keep/reuse the store here")
    ap.add_argument("--quick", action="store_true", help="150 articles, 15 queries, 0,10,30")
    args = ap.parse_args(argv)
    if args.quick:
        args.n, args.queries, args.stories = 150, 15, "0,10,30"
    args.stories = [int(s) for s in args.stories.split(",") if s.strip()]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        results = run(args, args.work or Path(tmp))
    results["machine"] = machine_info()
    results["total_s"] = round(time.perf_counter() - started, 1)
    write_json(args.out, results)
    plot(results, args.out.with_suffix(".png"))
    w = sys.stdout.write
    w(f"{'stories':>7} {'labels':>6} {'R@P90':>6} {'seen':>6} {'unseen':>6} {'F1':>6} {'P':>6}\n")
    for p in results["curve"]:
        s = p["all"]["status"]
        w(
            f"{p['stories']:7d} {p['labels']:6d} {p['all']['recall_at_p90']:6.3f} "
            f"{p['seen']['recall_at_p90']:6.3f} {p['unseen']['recall_at_p90']:6.3f} "
            f"{s['f1']:6.3f} {s['precision']:6.3f}\n"
        )
    w(f"wrote {args.out} and {args.out.with_suffix('.png')} ({results['total_s']:.0f} s)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
