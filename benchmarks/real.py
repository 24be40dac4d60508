"""Detection quality on real articles (``../shared/corpora``), against plain baselines.

For each corpus and backend: index every article, compare each article against all the
others (a stored article is never compared with itself), and score the verdicts against the
hand labels in ``benchmarks/real/`` (how they were made: ``benchmarks/real/README.md``):

- template verdicts per paragraph and per sentence: precision, recall, F1;
- the novelty score as a ranking: ROC-AUC (boilerplate vs content) and recall at precision
  >= 0.90 (threshold fitted on the other half of the events, and oracle);
- recall per formula/chrome family;
- same-event article pairs from ``Corpus.duplicates()``: precision, recall, F1, ARI;
- taught: starting from the verdict model of the *other* corpora (as a user of a new beat
  would), the paragraph and sentence labels of one half of the events imported with
  ``protocol-match teach``, the other half compared (against the same model untaught on the
  same half: ``cross``);
- baselines (plain embedding cosine, TF-IDF, MinHash over word 3-shingles; best match in
  another event), thresholds fitted on one half of the events.

Everything is reported on held-out halves of the events over ``--splits`` random splits
(mean and sd). protocol_match runs at its defaults: nothing is fitted to these labels.

    python benchmarks/real.py                              # both corpora, both backends
    python benchmarks/real.py --backend static --quick     # one backend, no teach/baselines
    python benchmarks/real.py --corpus /path/to/corpora --work /tmp/realwork
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from _common import machine_info, write_json  # noqa: E402
from fit_verdicts import FeatureRow, build_store, feature_table, fit, stored_article  # noqa: E402
from real_data import (  # noqa: E402
    CORPORA,
    DEFAULT_CORPORA,
    LABELS,
    CorpusMissing,
    Doc,
    event_splits,
    load_docs,
    truth_of,
)
from real_eval import (  # noqa: E402
    Row,
    doc_similarities,
    duplicate_baseline,
    duplicate_scores,
    family_recall,
    mean_sd,
    passage_baselines,
    split_score_metrics,
    verdict_metrics,
)

RESULTS = Path(__file__).resolve().parent / "results"
LEVELS = ("paragraph", "sentence")
BASELINES = ("cosine", "tfidf", "minhash")


# ---------------------------------------------------------------- running protocol_match


def compare_docs(corpus: Any, docs: Sequence[Doc]) -> dict[str, list[Row]]:
    """Each document compared against all the others: one Row per paragraph and sentence."""
    rows: dict[str, list[Row]] = {lv: [] for lv in LEVELS}
    for d in docs:
        report = corpus.compare(stored_article(d))
        for level, results in (("paragraph", report.paragraphs), ("sentence", report.sentences)):
            for r in results:
                p = r.passage
                rows[level].append(
                    Row(d.id, d.event, level, p.start, p.end, p.text,
                        truth_of(d, p.start, p.end), r.status, float(r.novelty))
                )  # fmt: skip
    return rows


def teach_and_compare(
    store: Path, model: Path, docs: Sequence[Doc], rows: dict[str, list[Row]], fit: set[str],
    work: Path,
) -> dict[str, list[Row]]:  # fmt: skip
    """Import the fit events' paragraph and sentence labels into a copy of the store, compare
    the held-out
    documents (with the split's verdict model), and return their taught verdicts."""
    from protocol_match import Corpus

    copy = work / "taught"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(store, copy)
    labels = work / "labels.jsonl"
    with labels.open("w", encoding="utf-8") as fh:
        for r in rows["paragraph"] + rows["sentence"]:
            if r.event in fit:
                label = "boilerplate" if r.truth.boilerplate else "content"
                fh.write(json.dumps({"text": r.text, "label": label, "article_id": r.doc}) + "\n")
    cmd = [sys.executable, "-m", "protocol_match", "-q", "--store", str(copy), "teach", str(labels)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    with Corpus.open(copy, verdict_model=model) as corpus:
        taught = compare_docs(corpus, [d for d in docs if d.event not in fit])
    for level in LEVELS:
        for r in taught[level]:
            r.taught_status, r.taught_novelty = r.status, r.novelty
    return taught


# ---------------------------------------------------------------- one backend, all corpora


def evaluate(docs_by: dict[str, list[Doc]], backend: str, args: argparse.Namespace) -> list:
    """Every corpus scored with ``backend``: verdict models fitted on one half of the events
    of every corpus, each corpus's other half compared with it; plus cross-corpus figures."""
    from protocol_match import Corpus

    names = list(docs_by)
    stores = {n: args.work / f"{n}-{backend}" for n in names}
    features: dict[str, list[FeatureRow]] = {}
    base: dict[str, dict[str, list[Row]]] = {}
    meta: dict[str, dict[str, Any]] = {}
    for n in names:
        t0 = time.perf_counter()
        with build_store(docs_by[n], backend, stores[n]) as corpus:
            index_s = time.perf_counter() - t0
            features[n] = feature_table(n, docs_by[n], corpus)
            groups = [list(g.articles) for g in corpus.duplicates()]
            base[n] = _base_rows(docs_by[n], features[n])
            vectors = doc_vecs = None
            if not args.quick:
                vectors = {
                    lv: corpus.embedder.encode([r.text for r in base[n][lv]]) for lv in LEVELS
                }
                doc_vecs = corpus.embedder.encode([d.text for d in docs_by[n]])
        meta[n] = {"groups": groups, "vectors": vectors, "doc_vecs": doc_vecs, "index_s": index_s}
    splits = {n: event_splits(docs_by[n], args.splits, seed=args.seed) for n in names}
    # What a user of another beat starts from: the model fitted on the other corpora only.
    cross, cross_models = _cross_corpus(names, features, stores, docs_by, backend, args)
    per_split: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    held_rows: dict[str, dict[str, list[Row]]] = {n: {lv: [] for lv in LEVELS} for n in names}
    compare_s = dict.fromkeys(names, 0.0)
    compared = dict.fromkeys(names, 0)
    for k in range(args.splits):
        fit_rows = [r for n in names for r in features[n] if r.event in splits[n][k][0]]
        model = args.work / f"model-{backend}-split{k}.json"
        fit(fit_rows, args.precision, {"split": k}).save(model)
        for n in names:
            docs = docs_by[n]
            fit_ev, held = splits[n][k]
            t0 = time.perf_counter()
            with Corpus.open(stores[n], verdict_model=model) as corpus:
                rows = compare_docs(corpus, [d for d in docs if d.event in held])
            compare_s[n] += time.perf_counter() - t0
            compared[n] += sum(d.event in held for d in docs)
            res: dict[str, Any] = {lv: verdict_metrics(rows[lv]) for lv in LEVELS}
            res["duplicates"] = duplicate_scores(meta[n]["groups"], docs, held)
            if n in cross:  # the other corpora's model on the same held-out half
                res["cross"] = cross[n]["held_out_by_split"][k]
            if not args.quick:
                m = meta[n]
                res["baselines"] = _baselines(
                    base[n], m["vectors"], docs, m["doc_vecs"], fit_ev, held
                )
            if args.teach:
                # From the other beats' model; with one corpus only, from this split's model.
                start = cross_models.get(n, model)
                with tempfile.TemporaryDirectory(dir=args.work) as tmp:
                    taught = teach_and_compare(stores[n], start, docs, base[n], fit_ev, Path(tmp))
                res["taught"] = {lv: verdict_metrics(taught[lv], taught=True) for lv in LEVELS}
            per_split[n].append(res)
            for lv in LEVELS:
                held_rows[n][lv] += rows[lv]
        print(f"  {backend}: split {k + 1}/{args.splits} done", file=sys.stderr)
    out = []
    for n in names:
        docs = docs_by[n]
        out.append({
            "corpus": n,
            "backend": backend,
            "documents": len(docs),
            "events": len({d.event for d in docs}),
            "passages": {lv: len(base[n][lv]) for lv in LEVELS},
            "boilerplate": {
                lv: int(sum(r.truth.boilerplate for r in base[n][lv])) for lv in LEVELS
            },
            "index_and_mine_s": round(meta[n]["index_s"], 1),
            "compare_s_per_article": round(compare_s[n] / max(1, compared[n]), 3),
            "cross_corpus": cross.get(n),
            "families": family_recall(held_rows[n]["paragraph"]),
            "splits": per_split[n],
            "summary": summarize(per_split[n]),
            "errors": error_sample(held_rows[n]["paragraph"]),
        })  # fmt: skip
    return out


def _base_rows(docs: Sequence[Doc], feats: Sequence[FeatureRow]) -> dict[str, list[Row]]:
    """Every passage with its truth (no verdict): what baselines and teaching read."""
    by_id = {d.id: d for d in docs}
    rows: dict[str, list[Row]] = {lv: [] for lv in LEVELS}
    for f in feats:
        d = by_id[f.doc]
        text = d.text[f.start : f.end]
        rows[f.level].append(Row(d.id, d.event, f.level, f.start, f.end, text,
                                 truth_of(d, f.start, f.end)))  # fmt: skip
    return rows


def _cross_corpus(names, features, stores, docs_by, backend, args) -> tuple[dict, dict]:  # noqa: ANN001
    """Each corpus compared with a model fitted on the other corpora only (another beat);
    also returns those models' files."""
    from protocol_match import Corpus

    out, models = {}, {}
    for n in names:
        others = [r for m in names if m != n for r in features[m]]
        if not others:
            continue
        model = args.work / f"model-{backend}-without-{n}.json"
        fit(others, args.precision, {"without": n}).save(model)
        models[n] = model
        with Corpus.open(stores[n], verdict_model=model) as corpus:
            rows = compare_docs(corpus, docs_by[n])
        out[n] = {lv: verdict_metrics(rows[lv]) for lv in LEVELS}
        held = {lv: [r for r in rows[lv]] for lv in LEVELS}
        out[n]["held_out_by_split"] = [
            {lv: verdict_metrics([r for r in held[lv] if r.event in h]) for lv in LEVELS}
            for _, h in event_splits(docs_by[n], args.splits, seed=args.seed)
        ]
    return out, models


def _baselines(rows, vectors, docs, doc_vecs, fit, held) -> dict[str, Any]:  # noqa: ANN001
    out: dict[str, Any] = {}
    for lv in LEVELS:
        scores = passage_baselines(rows[lv], vectors[lv])
        f_idx = [i for i, r in enumerate(rows[lv]) if r.event in fit]
        h_idx = [i for i, r in enumerate(rows[lv]) if r.event in held]
        out[lv] = {
            b: split_score_metrics(
                [rows[lv][i] for i in f_idx], [rows[lv][i] for i in h_idx],
                s[f_idx], s[h_idx],
            )
            for b, s in scores.items()
        }  # fmt: skip
    sims = doc_similarities(docs, doc_vecs)
    out["duplicates"] = {b: duplicate_baseline(docs, s, fit, held) for b, s in sims.items()}
    return out


SUMMARY_PATHS = {
    "paragraph P": ("paragraph", "template", "precision"),
    "paragraph R": ("paragraph", "template", "recall"),
    "paragraph F1": ("paragraph", "template", "f1"),
    "sentence P": ("sentence", "template", "precision"),
    "sentence R": ("sentence", "template", "recall"),
    "sentence F1": ("sentence", "template", "f1"),
    "novelty AUC (paragraph)": ("paragraph", "novelty_auc"),
    "R@P0.90 (paragraph)": ("paragraph", "recall_at_p90_oracle"),
    "novelty AUC (sentence)": ("sentence", "novelty_auc"),
    "R@P0.90 (sentence)": ("sentence", "recall_at_p90_oracle"),
    "duplicates P": ("duplicates", "precision"),
    "duplicates R": ("duplicates", "recall"),
    "duplicates F1": ("duplicates", "f1"),
    "duplicates ARI": ("duplicates", "ari"),
    "other-beat model: paragraph P": ("cross", "paragraph", "template", "precision"),
    "other-beat model: paragraph R": ("cross", "paragraph", "template", "recall"),
    "other-beat model: AUC (paragraph)": ("cross", "paragraph", "novelty_auc"),
    "other-beat model: R@P0.90 (paragraph)": ("cross", "paragraph", "recall_at_p90_oracle"),
    "taught paragraph P": ("taught", "paragraph", "template", "precision"),
    "taught paragraph R": ("taught", "paragraph", "template", "recall"),
    "taught AUC (paragraph)": ("taught", "paragraph", "novelty_auc"),
    "taught R@P0.95 (paragraph)": ("taught", "paragraph", "recall_at_p95_oracle"),
}


def summarize(per_split: Sequence[dict[str, Any]]) -> dict[str, Any]:
    out = {k: mean_sd(per_split, p) for k, p in SUMMARY_PATHS.items()}
    for b in BASELINES:
        for lv in LEVELS:
            out[f"{b} {lv} F1"] = mean_sd(per_split, ("baselines", lv, b, "template", "f1"))
            out[f"{b} {lv} AUC"] = mean_sd(per_split, ("baselines", lv, b, "auc"))
            out[f"{b} {lv} R@P0.90"] = mean_sd(
                per_split, ("baselines", lv, b, "recall_at_p90_oracle")
            )
        out[f"{b} duplicates F1"] = mean_sd(per_split, ("baselines", "duplicates", b, "f1"))
    return {k: v for k, v in out.items() if v is not None}


def error_sample(rows: Sequence[Row], n: int = 12) -> dict[str, list[dict]]:
    """Where the verdicts go wrong (ids, offsets and families only: no corpus text)."""
    fp = [r for r in rows if r.status == "template" and not r.truth.boilerplate]
    fn = [r for r in rows if r.status != "template" and r.truth.boilerplate]

    def brief(r: Row) -> dict:
        return {"doc": r.doc, "start": r.start, "end": r.end, "status": r.status,
                "novelty": round(r.novelty, 3), "family": r.truth.family}  # fmt: skip

    return {"false_template": [brief(r) for r in fp[:n]], "missed": [brief(r) for r in fn[:n]]}


# ---------------------------------------------------------------- output


def print_table(results: Sequence[dict[str, Any]]) -> None:
    keys: list[str] = []
    for res in results:
        keys += [k for k in res["summary"] if k not in keys]
    head = [f"{r['corpus']}/{r['backend']}" for r in results]
    print(f"{'figure (held-out events, mean ± sd)':34}" + "".join(f"{h:>22}" for h in head))
    for k in keys:
        cells = []
        for res in results:
            v = res["summary"].get(k)
            cells.append(f"{v['mean']:.3f} ± {v['sd']:.3f}" if v else "–")
        print(f"{k:34}" + "".join(f"{c:>22}" for c in cells))


def plot(results: Sequence[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs = ["paragraph F1", "sentence F1", "novelty AUC (paragraph)", "R@P0.90 (paragraph)",
            "duplicates F1"]  # fmt: skip
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / max(1, len(results))
    for i, res in enumerate(results):
        means = [(res["summary"].get(f) or {"mean": 0})["mean"] for f in figs]
        sds = [(res["summary"].get(f) or {"sd": 0})["sd"] for f in figs]
        xs = np.arange(len(figs)) + i * width
        ax.bar(xs, means, width, yerr=sds, label=f"{res['corpus']}/{res['backend']}")
    ax.set_xticks(np.arange(len(figs)) + width * (len(results) - 1) / 2, figs, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_title("protocol_match on real articles (held-out events, 5 splits)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPORA,
        help="folder holding readouts/ and uk-readouts/ (default: %(default)s)",
    )
    parser.add_argument("--corpora", default=",".join(CORPORA))
    parser.add_argument(
        "--labels",
        type=Path,
        default=LABELS,
        help="folder of <corpus>.labels.jsonl files (default: %(default)s)",
    )
    parser.add_argument("--backend", default="torch,static", help="comma-separated backends")
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument(
        "--precision",
        type=float,
        default=0.92,
        help="precision target of the fitted template thresholds",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="no baselines, no teaching")
    parser.add_argument("--no-teach", dest="teach", action="store_false")
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="keep the stores here between runs (re-mined every run)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "real.json")
    args = parser.parse_args(argv)  # fmt: skip
    if args.quick:
        args.teach = False
    tmp = None
    if args.work is None:
        tmp = tempfile.TemporaryDirectory()
        args.work = Path(tmp.name)
    args.work.mkdir(parents=True, exist_ok=True)
    try:
        docs_by = {n: load_docs(args.corpus, n, args.labels) for n in args.corpora.split(",")}
        results = []
        for backend in args.backend.split(","):
            print(
                f"backend {backend}: {sum(map(len, docs_by.values()))} documents", file=sys.stderr
            )
            results += evaluate(docs_by, backend, args)
    except CorpusMissing as exc:
        print(f"real.py: {exc}", file=sys.stderr)
        return 2
    finally:
        if tmp is not None:
            tmp.cleanup()
    print_table(results)
    write_json(args.out, {"machine": machine_info(), "args": _args(args), "results": results})
    plot(results, args.out.with_suffix(".png"))
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}", file=sys.stderr)
    return 0


def _args(args: argparse.Namespace) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}


if __name__ == "__main__":
    sys.exit(main())
