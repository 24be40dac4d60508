"""Detection quality on the labeled synthetic corpus, against lexical baselines.

For each noise level: generate a corpus (``protocol_match.synth``), hold out whole stories as
query articles, index the rest with ``Corpus.add`` and compare every query with
``Corpus.compare``. Scored against the generator's labels:

- template sentences / paragraphs: precision, recall, F1 ("any" = predicted ``template`` or
  ``reused``; "strict" = ``template`` only), also on the paraphrased formulas (positives:
  paraphrased formula sentences, negatives: all novel sentences);
- novelty: ROC-AUC of the sentence novelty score (novel vs formula/chrome);
- novel spans: token F1 of predicted novel spans inside matched formula sentences vs slot fills;
- near-duplicate articles: pair P/R/F1 and adjusted Rand index of ``Corpus.duplicates()``;
- baselines on the same data with their best (oracle) thresholds: MinHash over word
  3-shingles (datasketch, 128 permutations) and TF-IDF cosine (sklearn);
- the seeds: seed 003 compared against a store of seed 000 (which known formulas matched).

    python benchmarks/quality.py --quick
    python benchmarks/quality.py --n 300 --seed 0 --noise low,default,high
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from _common import machine_info, write_json
from quality_metrics import (  # noqa: F401 - re-exported for tests
    auc,
    best_threshold,
    components,
    duplicate_baseline,
    duplicate_metrics,
    minhash_matrix,
    minhash_max,
    pairs_of_groups,
    prf,
    tfidf_max,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from protocol_match.corpus import Corpus  # noqa: E402
from protocol_match.records import CompareReport  # noqa: E402
from protocol_match.scoring import tokens  # noqa: E402
from protocol_match.synth import SentenceLabel, SynthCorpus, generate_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TEMPLATED = ("formula", "chrome")
SEED_FORMULAS = {  # fragment of seed 003 -> the formula it carries
    "grave visit": "visited the graves of the National Leader",
    "wreaths": "laid wreaths and flowers",
    "welcome": "welcomed the guests and expressed his satisfaction",
    "strategic alliance": "strategic alliance between the two fraternal",
    "military-technical / regional security": "military, military-technical, and other fields",
}
SEED_NOVEL = ("prayed to Almighty Allah for the repose of their souls", "Cahit Bağcı")


# ---------------------------------------------------------------- splitting and truth


def split_stories(synth: SynthCorpus, n_queries: int, seed: int) -> tuple[list, list]:
    """(corpus articles, query articles): one article of each of ``n_queries`` held-out
    stories is a query; the other articles of held-out stories are dropped, so a query's
    copies are never in the corpus (its formulas must be found in other stories)."""
    stories = sorted(set(synth.story_of.values()))
    rng = np.random.default_rng(seed)
    held = set(rng.choice(stories, size=min(n_queries, len(stories) // 3), replace=False))
    corpus, queries, used = [], [], set()
    for a in synth.articles:
        st = synth.story_of[a.id]
        if st not in held:
            corpus.append(a)
        elif st not in used:
            used.add(st)
            queries.append(a)
    return corpus, queries


def is_templated(label: SentenceLabel) -> bool:
    return label.kind in TEMPLATED


def paragraph_truth(text: str, labels: Sequence[SentenceLabel]) -> list[tuple[int, int, bool]]:
    """(start, end, templated) per paragraph: templated when most of its labelled
    characters are formula/chrome."""
    out, pos = [], 0
    for chunk in text.split("\n\n"):
        start, end = pos, pos + len(chunk)
        pos = end + 2
        inside = [lab for lab in labels if lab.start >= start and lab.end <= end]
        tot = sum(lab.end - lab.start for lab in inside)
        tmpl = sum(lab.end - lab.start for lab in inside if is_templated(lab))
        if tot:
            out.append((start, end, tmpl * 2 >= tot))
    return out


def _covering(results: Sequence[Any], start: int, end: int) -> Any:
    """The predicted passage overlapping ``[start, end)`` the most."""
    best, best_ov = None, 0
    for r in results:
        ov = min(end, r.passage.end) - max(start, r.passage.start)
        if ov > best_ov:
            best, best_ov = r, ov
    return best


# ---------------------------------------------------------------- one noise level


def _method_rows(reports: Sequence[CompareReport], synth: SynthCorpus) -> tuple[list, list]:
    """Per labelled sentence and per paragraph of the queries: truth and prediction."""
    sent_rows, para_rows = [], []
    for rep in reports:
        labels = synth.labels_for(rep.article.id)
        text = rep.article.text
        for lab in labels:
            r = _covering(rep.sentences, lab.start, lab.end)
            spans = [(sp.start, sp.end) for sp in r.novel_spans] if r else []
            sent_rows.append(
                {
                    "label": lab,
                    "text": text[lab.start : lab.end],
                    "status": r.status if r else "novel",
                    "novelty": r.novelty if r else 1.0,
                    "spans": spans,
                }
            )
        for start, end, tmpl in paragraph_truth(text, labels):
            r = _covering(rep.paragraphs, start, end)
            para_rows.append(
                {
                    "start": start,
                    "end": end,
                    "article": rep.article.id,
                    "truth": tmpl,
                    "status": r.status if r else "novel",
                }
            )
    return sent_rows, para_rows


def span_token_f1(sent_rows: Sequence[dict]) -> dict[str, float]:
    """Token-level F1 of predicted novel spans vs slot fills, over matched formula sentences
    (whole formula sentences only: embedded clauses have no slot-level truth outside them)."""
    tp = fp = fn = 0
    n = 0
    for row in sent_rows:
        lab = row["label"]
        if lab.kind != "formula" or lab.formula_span or row["status"] == "novel":
            continue
        n += 1
        for s, e, _ in tokens(row["text"]):
            s, e = s + lab.start, e + lab.start
            truth = any(a <= s and e <= b for a, b in lab.slot_spans)
            pred = any(a <= s and e <= b for a, b in row["spans"])
            tp += truth and pred
            fp += pred and not truth
            fn += truth and not pred
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "sentences": n,
    }


def _subset_metrics(truth: np.ndarray, pred: np.ndarray, para: np.ndarray) -> dict:
    """F1 on all sentences and on paraphrased formulas vs novel sentences."""
    keep = para | ~truth
    return {"all": prf(truth, pred), "paraphrased": prf(truth[keep], pred[keep])}


def evaluate_noise(
    synth: SynthCorpus,
    store: Path,
    n_queries: int,
    seed: int,
    embedder: Any = None,
    backend: str = "torch",
) -> dict[str, Any]:
    """Everything for one generated corpus."""
    timings: dict[str, float] = {}
    corpus_arts, queries = split_stories(synth, n_queries, seed)
    t0 = time.perf_counter()
    corpus = Corpus.open(store, create=True, backend=backend)
    if embedder is not None:
        corpus._embedder = embedder
    corpus.add(corpus_arts)
    timings["index_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    templates = corpus.templates(refresh=True)
    timings["mine_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    reports = [corpus.compare(a) for a in queries]
    timings["compare_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    groups = corpus.duplicates()
    timings["duplicates_s"] = round(time.perf_counter() - t0, 1)
    corpus.close()

    sent_rows, para_rows = _method_rows(reports, synth)
    truth = np.asarray([is_templated(r["label"]) for r in sent_rows])
    paraph = np.asarray([r["label"].paraphrased for r in sent_rows])
    any_pred = np.asarray([r["status"] != "novel" for r in sent_rows])
    strict = np.asarray([r["status"] == "template" for r in sent_rows])
    p_truth = np.asarray([r["truth"] for r in para_rows])
    p_pred = np.asarray([r["status"] != "novel" for r in para_rows])
    ids = [a.id for a in corpus_arts]
    method = {
        "sentence": _subset_metrics(truth, any_pred, paraph),
        "sentence_strict": _subset_metrics(truth, strict, paraph),
        "paragraph": prf(p_truth, p_pred),
        "novelty_auc": auc(~truth, [r["novelty"] for r in sent_rows]),
        "novel_spans": span_token_f1(sent_rows),
        "duplicates": duplicate_metrics([g.articles for g in groups], synth.story_of, ids),
        "templates_mined": len(templates),
        "chrome_templates": sum(t.kind == "chrome" for t in templates),
    }
    baselines = _baselines(synth, corpus_arts, sent_rows, para_rows, truth, paraph, ids)
    return {
        "articles": len(synth.articles),
        "corpus_articles": len(corpus_arts),
        "queries": len(queries),
        "query_sentences": len(sent_rows),
        "query_paragraphs": len(para_rows),
        "timings": timings,
        "method": method,
        "baselines": baselines,
        "errors": _error_sample(sent_rows),
    }


def _baselines(synth, corpus_arts, sent_rows, para_rows, truth, paraph, ids) -> dict:  # noqa: ANN001
    ref_texts = []
    for a in corpus_arts:
        ref_texts += [a.text[lab.start : lab.end] for lab in synth.labels_for(a.id)]
    q_texts = [r["text"] for r in sent_rows]
    scores = {
        "minhash": minhash_max(minhash_matrix(q_texts), minhash_matrix(ref_texts)),
        "tfidf": tfidf_max(q_texts, ref_texts),
    }
    keep = paraph | ~truth
    out = {}
    for name, sc in scores.items():
        best = best_threshold(truth, sc)
        para_best = best_threshold(truth[keep], sc[keep])
        pred = sc >= best["threshold"]
        p_pred = _paragraph_from_sentences(sent_rows, para_rows, pred)
        out[name] = {
            "sentence": best,
            "sentence_paraphrased": para_best,
            "paragraph": prf([r["truth"] for r in para_rows], p_pred),
            "novelty_auc": auc(~truth, -sc),
            "duplicates": duplicate_baseline(
                [a.text for a in corpus_arts], ids, synth.story_of, name
            ),
        }
    return out


def _paragraph_from_sentences(sent_rows, para_rows, pred) -> list[bool]:  # noqa: ANN001
    out = []
    for p in para_rows:
        tot = tm = 0
        for r, y in zip(sent_rows, pred, strict=True):
            lab = r["label"]
            if lab.article_id == p["article"] and lab.start >= p["start"] and lab.end <= p["end"]:
                tot += lab.end - lab.start
                tm += (lab.end - lab.start) * bool(y)
        out.append(tm * 2 >= tot > 0)
    return out


def _error_sample(sent_rows: Sequence[dict], n: int = 8) -> dict[str, list]:
    """A few false positives and false negatives, to read what goes wrong."""
    fp = [r for r in sent_rows if r["status"] != "novel" and not is_templated(r["label"])]
    fn = [r for r in sent_rows if r["status"] == "novel" and is_templated(r["label"])]
    fmt = lambda r: f"[{r['label'].family}|{r['status']}|{r['novelty']:.2f}] {r['text'][:160]}"  # noqa: E731
    return {
        "false_positives": [fmt(r) for r in fp[:n]],
        "false_negatives": [fmt(r) for r in fn[:n]],
        "span_errors": _span_errors(sent_rows, n),
    }


def _span_errors(sent_rows: Sequence[dict], n: int) -> list[str]:
    """Matched formula sentences whose novel spans miss slot fills or take formula words:
    [slot fill called novel], +formula word called novel+, -slot fill missed-."""
    out = []
    for row in sent_rows:
        lab = row["label"]
        if lab.kind != "formula" or lab.formula_span or row["status"] == "novel":
            continue
        marked, wrong = [], False
        for s, e, w in tokens(row["text"]):
            s, e = s + lab.start, e + lab.start
            truth = any(a <= s and e <= b for a, b in lab.slot_spans)
            pred = any(a <= s and e <= b for a, b in row["spans"])
            wrong |= truth != pred
            marked.append(
                f"[{w}]" if truth and pred else f"+{w}+" if pred else f"-{w}-" if truth else w
            )
        if wrong:
            out.append(f"[{lab.family}] " + " ".join(marked)[:300])
        if len(out) >= n:
            break
    return out


# ---------------------------------------------------------------- seeds, output


def seed_check(store: Path, embedder: Any = None, backend: str = "torch") -> dict[str, Any]:
    """Seed 003 against a store holding seed 000 (min_support 2, as the CLI option)."""
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    corpus = Corpus.open(store, create=True, backend=backend)
    if embedder is not None:
        corpus._embedder = embedder
    corpus.add([p for p in seeds if p.name.startswith("000")])
    rep = corpus.compare(next(p for p in seeds if p.name.startswith("003")), min_support=2)
    corpus.close()

    def status(fragment: str) -> str:
        found = [s for s in rep.sentences if fragment in s.passage.text]
        return found[0].status if found else "missing"

    formulas = {name: status(f) for name, f in SEED_FORMULAS.items()}
    novel = {f: status(f) for f in SEED_NOVEL}
    return {
        "formulas": formulas,
        "formulas_matched": sum(s != "novel" for s in formulas.values()),
        "formulas_total": len(formulas),
        "novel_facts_called_novel": sum(s == "novel" for s in novel.values()),
        "novel_facts_total": len(novel),
        "article_novelty": rep.novelty,
        "counts": rep.counts,
    }


def print_table(results: dict[str, Any]) -> None:
    """Per noise level: method vs baselines."""
    w = sys.stdout.write
    w(
        f"{'noise':8} {'system':9} {'sentF1':>7} {'P':>6} {'R':>6} {'paraF1':>7} {'parphF1':>7} "
        f"{'nov.AUC':>7} {'spanF1':>7} {'dupF1':>6} {'ARI':>6}\n"
    )
    for noise, res in results["noise"].items():
        m = res["method"]
        s = m["sentence"]["all"]
        w(
            f"{noise:8} {'method':9} {s['f1']:7.3f} {s['precision']:6.3f} {s['recall']:6.3f} "
            f"{m['paragraph']['f1']:7.3f} {m['sentence']['paraphrased']['f1']:7.3f} "
            f"{m['novelty_auc']:7.3f} {m['novel_spans']['f1']:7.3f} "
            f"{m['duplicates']['f1']:6.3f} {m['duplicates']['ari']:6.3f}\n"
        )
        st = m["sentence_strict"]["all"]
        w(f"{'':8} {'(strict)':9} {st['f1']:7.3f} {st['precision']:6.3f} {st['recall']:6.3f}\n")
        for name, b in res["baselines"].items():
            s = b["sentence"]
            w(
                f"{'':8} {name:9} {s['f1']:7.3f} {s['precision']:6.3f} {s['recall']:6.3f} "
                f"{b['paragraph']['f1']:7.3f} {b['sentence_paraphrased']['f1']:7.3f} "
                f"{b['novelty_auc']:7.3f} {'-':>7} {b['duplicates']['f1']:6.3f} "
                f"{b['duplicates']['ari']:6.3f}\n"
            )
    sd = results.get("seeds")
    if sd:
        w(
            f"seeds: {sd['formulas_matched']}/{sd['formulas_total']} formulas matched "
            f"{sd['formulas']}; novel facts novel {sd['novel_facts_called_novel']}/"
            f"{sd['novel_facts_total']}\n"
        )


def plot(results: dict[str, Any], path: Path) -> None:
    """Grouped bars: sentence F1, paraphrased F1, paragraph F1, duplicate F1 per noise."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    noises = list(results["noise"])
    metrics = [
        ("sentence F1", lambda m: m["sentence"]["all"]["f1"], lambda b: b["sentence"]["f1"]),
        (
            "paraphrased F1",
            lambda m: m["sentence"]["paraphrased"]["f1"],
            lambda b: b["sentence_paraphrased"]["f1"],
        ),
        ("paragraph F1", lambda m: m["paragraph"]["f1"], lambda b: b["paragraph"]["f1"]),
        ("duplicate pair F1", lambda m: m["duplicates"]["f1"], lambda b: b["duplicates"]["f1"]),
    ]
    fig, axes = plt.subplots(1, len(metrics), figsize=(16, 4), sharey=True)
    x = np.arange(len(noises))
    for ax, (title, fm, fb) in zip(axes, metrics, strict=True):
        series = {"protocol_match": [fm(results["noise"][n]["method"]) for n in noises]}
        for b in ("minhash", "tfidf"):
            series[b] = [fb(results["noise"][n]["baselines"][b]) for n in noises]
        for k, (name, vals) in enumerate(series.items()):
            ax.bar(x + (k - 1) * 0.27, vals, 0.27, label=name)
        ax.set_xticks(x, noises)
        ax.set_title(title)
        ax.set_ylim(0, 1.05)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(loc="lower left", fontsize=8)
    fig.suptitle("Detection quality on the synthetic corpus (baselines at oracle thresholds)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300, help="articles per noise level")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--noise", default="low,default,high", help="comma-separated noise levels")
    ap.add_argument("--queries", type=int, default=40, help="held-out query stories")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/quality.json")
    ap.add_argument(
        "--work",
        type=Path,
        default=None,
        help="keep stores here and reuse them on the next run (default: temp dir)",
    )
    ap.add_argument("--quick", action="store_true", help="100 articles, default noise, 15 queries")
    ap.add_argument("--teach", action="store_true", help="also run teach.py (learning curve)")
    ap.add_argument(
        "--dups",
        action="store_true",
        help="also run duplicates.py (hard same-story retellings and twin events)",
    )
    ap.add_argument(
        "--backend",
        choices=("torch", "static", "onnx-int8"),
        default="torch",
        help="embedding backend of the stores (static: the fast bulk path)",
    )
    args = ap.parse_args(argv)
    if args.quick:
        args.n, args.noise, args.queries = 100, "default", 15
    noises = [n.strip() for n in args.noise.split(",") if n.strip()]
    from protocol_match.embed import load_embedder

    embedder = load_embedder(backend=args.backend)
    results: dict[str, Any] = {
        "backend": args.backend,
        "machine": machine_info(),
        "n": args.n,
        "seed": args.seed,
        "queries": args.queries,
        "noise": {},
    }
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        for noise in noises:
            t0 = time.perf_counter()
            synth = generate_corpus(args.n, seed=args.seed, noise=noise)
            # Keyed by content: a changed generator must not reuse a stale store.
            digest = hashlib.sha1("".join(a.text for a in synth.articles).encode()).hexdigest()
            store = work / f"n{args.n}-s{args.seed}-{noise}-{args.backend}-{digest[:10]}"
            results["noise"][noise] = evaluate_noise(
                synth, store, args.queries, args.seed, embedder, args.backend
            )
            results["noise"][noise]["timings"]["total_s"] = round(time.perf_counter() - t0, 1)
            sys.stderr.write(f"{noise}: {time.perf_counter() - t0:.0f} s\n")
        results["seeds"] = seed_check(Path(tmp) / "seeds", embedder, args.backend)
    results["total_s"] = round(time.perf_counter() - t_start, 1)
    print_table(results)
    write_json(args.out, results)
    plot(results, args.out.with_suffix(".png"))
    sys.stdout.write(
        f"wrote {args.out} and {args.out.with_suffix('.png')} ({results['total_s']:.0f} s)\n"
    )
    if args.teach:  # the learning curve of user labels: benchmarks/teach.py
        import teach

        teach.main(["--quick"] if args.quick else [])
    if args.dups:  # the hard near-duplicate set: benchmarks/duplicates.py, its own corpus
        import duplicates

        name = "duplicates.json" if args.backend == "torch" else f"duplicates-{args.backend}.json"
        dup_args = ["--n", str(args.n), "--backend", args.backend]
        dup_args += ["--out", str(args.out.parent / name)] + (["--quick"] if args.quick else [])
        duplicates.main(dup_args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
