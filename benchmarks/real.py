"""Detection quality on real articles (``../shared/corpora``), against plain baselines.

For each corpus and backend: index every article, compare each article against all the
others (a stored article is never compared with itself), and score the verdicts against the
hand labels in ``benchmarks/real/`` (how they were made: ``benchmarks/real/README.md``):

- template verdicts per paragraph and per sentence: precision, recall, F1;
- the novelty score as a ranking: ROC-AUC (boilerplate vs content) and recall at precision
  >= 0.90 (threshold fitted on the other half of the events, and oracle);
- recall per formula/chrome family;
- same-event article pairs from ``Corpus.duplicates()``: precision, recall, F1, ARI;
- taught: the labels of one half of the events imported with ``protocol-match teach``, the
  other half compared;
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


def build_store(docs: Sequence[Doc], backend: str, path: Path):  # noqa: ANN201 - Corpus
    """A store of every document (kept in ``path`` between runs: re-mined, not re-embedded)."""
    from protocol_match import Corpus
    from protocol_match.ingest import article_from_text

    corpus = Corpus.open(path, create=True, backend=backend)
    arts = [
        article_from_text(d.raw, id=d.id, date=d.date, source=d.outlet, title=d.title)
        for d in docs
    ]
    t0 = time.perf_counter()
    corpus.add(arts)
    corpus.templates(refresh=True)
    return corpus, time.perf_counter() - t0


def compare_all(corpus: Any, docs: Sequence[Doc]) -> tuple[dict[str, list[Row]], float]:
    """Every document compared against the others: one Row per paragraph and sentence."""
    rows: dict[str, list[Row]] = {lv: [] for lv in LEVELS}
    t0 = time.perf_counter()
    for d in docs:
        report = corpus.compare(_stored(corpus, d))
        for level, results in (("paragraph", report.paragraphs), ("sentence", report.sentences)):
            for r in results:
                p = r.passage
                rows[level].append(
                    Row(d.id, d.event, level, p.start, p.end, p.text,
                        truth_of(d, p.start, p.end), r.status, float(r.novelty))
                )  # fmt: skip
    return rows, time.perf_counter() - t0


def _stored(corpus: Any, doc: Doc) -> Any:
    from protocol_match.ingest import article_from_text

    return article_from_text(doc.raw, id=doc.id, date=doc.date, source=doc.outlet, title=doc.title)


def teach_and_compare(
    store: Path, docs: Sequence[Doc], rows: dict[str, list[Row]], fit: set[str], work: Path
) -> dict[str, list[Row]]:
    """Import the fit events' sentence labels into a copy of the store, compare the held-out
    documents, and return their rows with the taught verdicts."""
    from protocol_match import Corpus

    copy = work / "taught"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(store, copy)
    labels = work / "labels.jsonl"
    with labels.open("w", encoding="utf-8") as fh:
        for r in rows["sentence"]:
            if r.event in fit:
                label = "boilerplate" if r.truth.boilerplate else "content"
                fh.write(json.dumps({"text": r.text, "label": label, "article_id": r.doc}) + "\n")
    cmd = [sys.executable, "-m", "protocol_match", "-q", "--store", str(copy), "teach", str(labels)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    held_rows: dict[str, list[Row]] = {lv: [] for lv in LEVELS}
    with Corpus.open(copy) as corpus:
        for d in docs:
            if d.event in fit:
                continue
            report = corpus.compare(_stored(corpus, d))
            for level, results in (("paragraph", report.paragraphs), ("sentence", report.sentences)):
                by_span = {(r.passage.start, r.passage.end): r for r in results}
                for row in rows[level]:
                    if row.doc == d.id:
                        got = by_span[(row.start, row.end)]
                        row.taught_status, row.taught_novelty = got.status, float(got.novelty)
                        held_rows[level].append(row)
    return held_rows


# ---------------------------------------------------------------- one corpus, one backend


def evaluate(name: str, docs: list[Doc], backend: str, args: argparse.Namespace) -> dict:
    store = args.work / f"{name}-{backend}"
    corpus, index_s = build_store(docs, backend, store)
    with corpus:
        rows, compare_s = compare_all(corpus, docs)
        groups = [list(g.articles) for g in corpus.duplicates()]
        vectors = None
        if not args.quick:
            vectors = {lv: corpus.embedder.encode([r.text for r in rows[lv]]) for lv in LEVELS}
            doc_vecs = corpus.embedder.encode([d.text for d in docs])
    splits = event_splits(docs, args.splits, seed=args.seed)
    per_split: list[dict[str, Any]] = []
    for k, (fit, held) in enumerate(splits):
        res: dict[str, Any] = {}
        for lv in LEVELS:
            held_rows = [r for r in rows[lv] if r.event in held]
            res[lv] = verdict_metrics(held_rows)
        res["duplicates"] = duplicate_scores(groups, docs, held)
        if not args.quick:
            res["baselines"] = _baselines(rows, vectors, docs, doc_vecs, fit, held)
        if args.teach:
            with tempfile.TemporaryDirectory(dir=args.work) as tmp:
                taught = teach_and_compare(store, docs, rows, fit, Path(tmp))
            res["taught"] = {lv: verdict_metrics(taught[lv], taught=True) for lv in LEVELS}
        per_split.append(res)
        print(f"  {name}/{backend} split {k + 1}/{len(splits)} done", file=sys.stderr)
    return {
        "corpus": name,
        "backend": backend,
        "documents": len(docs),
        "events": len({d.event for d in docs}),
        "passages": {lv: len(rows[lv]) for lv in LEVELS},
        "boilerplate": {lv: int(sum(r.truth.boilerplate for r in rows[lv])) for lv in LEVELS},
        "index_and_mine_s": round(index_s, 1),
        "compare_s_per_article": round(compare_s / len(docs), 3),
        "all_documents": {lv: verdict_metrics(rows[lv]) for lv in LEVELS}
        | {"duplicates": duplicate_scores(groups, docs, {d.event for d in docs})},
        "families": family_recall(rows["paragraph"]),
        "splits": per_split,
        "summary": summarize(per_split),
        "errors": error_sample(rows["paragraph"]),
    }


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
    "taught paragraph P": ("taught", "paragraph", "template", "precision"),
    "taught paragraph R": ("taught", "paragraph", "template", "recall"),
    "taught R@P0.95 (paragraph)": ("taught", "paragraph", "recall_at_p95_oracle"),
}


def summarize(per_split: Sequence[dict[str, Any]]) -> dict[str, Any]:
    out = {k: mean_sd(per_split, p) for k, p in SUMMARY_PATHS.items()}
    for b in BASELINES:
        for lv in LEVELS:
            out[f"{b} {lv} F1"] = mean_sd(per_split, ("baselines", lv, b, "template", "f1"))
            out[f"{b} {lv} AUC"] = mean_sd(per_split, ("baselines", lv, b, "auc"))
            out[f"{b} {lv} R@P0.90"] = mean_sd(per_split, ("baselines", lv, b, "recall_at_p90_oracle"))
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
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPORA,
                        help="folder holding readouts/ and uk-readouts/ (default: %(default)s)")
    parser.add_argument("--corpora", default=",".join(CORPORA))
    parser.add_argument("--labels", type=Path, default=LABELS,
                        help="folder of <corpus>.labels.jsonl files (default: %(default)s)")
    parser.add_argument("--backend", default="torch,static", help="comma-separated backends")
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="no baselines, no teaching")
    parser.add_argument("--no-teach", dest="teach", action="store_false")
    parser.add_argument("--work", type=Path, default=None,
                        help="keep the stores here between runs (re-mined every run)")
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
        results = []
        for name in args.corpora.split(","):
            docs = load_docs(args.corpus, name, args.labels)
            for backend in args.backend.split(","):
                print(f"{name}: {len(docs)} documents, backend {backend}", file=sys.stderr)
                results.append(evaluate(name, docs, backend, args))
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
