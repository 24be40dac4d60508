"""Fit the verdict model on the hand-labelled real development corpora.

The model (``protocol_match/judge/verdict_model.json``) is one logistic regression per level
over the label-free passage features (``protocol_match.judge.FEATURES``): how widely and how
closely a passage's wording recurs in other stories, and its shape. This script indexes each
corpus, computes every passage's features exactly as ``compare`` does (each article against
all the others), joins them with the labels of ``benchmarks/real/`` and fits. The template
threshold of each level is the probability at which the training passages reach
``--precision``.

    python benchmarks/fit_verdicts.py                    # writes the shipped model
    python benchmarks/fit_verdicts.py --out /tmp/m.json --corpora readouts

``real.py`` uses the same functions to fit on one half of the events and score the other.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from real_data import CORPORA, DEFAULT_CORPORA, LABELS, Doc, load_docs, truth_of  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MODEL_OUT = ROOT / "src" / "protocol_match" / "judge" / "verdict_model.json"
LEVELS = ("paragraph", "sentence")


@dataclass
class FeatureRow:
    """One passage's features and its label."""

    corpus: str
    doc: str
    event: str
    level: str
    start: int
    end: int
    features: np.ndarray
    boilerplate: bool


def stored_article(doc: Doc):  # noqa: ANN201 - records.Article
    from protocol_match.ingest import article_from_text

    return article_from_text(doc.raw, id=doc.id, date=doc.date, source=doc.outlet, title=doc.title)


def build_store(docs: Sequence[Doc], backend: str, path: Path):  # noqa: ANN201 - Corpus
    """A store of every document, templates mined (kept in ``path`` between runs)."""
    from protocol_match import Corpus

    corpus = Corpus.open(path, create=True, backend=backend)
    corpus.add([stored_article(d) for d in docs])
    corpus.templates(refresh=True)
    return corpus


def feature_table(name: str, docs: Sequence[Doc], corpus: Any) -> list[FeatureRow]:
    """Every paragraph's and sentence's features, each article against the others."""
    out = []
    for d in docs:
        for level, (passages, rows) in corpus.verdict_features(stored_article(d)).items():
            for p, row in zip(passages, rows, strict=True):
                truth = truth_of(d, p.start, p.end)
                out.append(FeatureRow(name, d.id, d.event, level, p.start, p.end, row,
                                      truth.boilerplate))  # fmt: skip
    return out


def fit(rows: Iterable[FeatureRow], precision: float, provenance: dict[str, Any]):  # noqa: ANN201
    """A ``VerdictModel`` fitted on ``rows`` (both levels)."""
    from protocol_match.judge import VerdictModel, fit_level

    rows = list(rows)
    levels = {}
    for level in LEVELS:
        sel = [r for r in rows if r.level == level]
        x = np.stack([r.features for r in sel])
        y = np.asarray([r.boilerplate for r in sel])
        levels[level] = fit_level(x, y, precision=precision)
        provenance.setdefault("passages", {})[level] = {"n": len(sel), "boilerplate": int(y.sum())}
    return VerdictModel(levels, provenance=provenance)


def labels_digest(names: Sequence[str]) -> str:
    h = hashlib.sha256()
    for name in names:
        h.update((LABELS / f"{name}.labels.jsonl").read_bytes())
    return h.hexdigest()[:16]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--corpora", default=",".join(CORPORA))
    parser.add_argument("--backend", default="static,torch", help="comma-separated backends")
    parser.add_argument("--precision", type=float, default=0.92)
    parser.add_argument("--work", type=Path, default=Path("/tmp/pm-fit"))
    parser.add_argument("--out", type=Path, default=MODEL_OUT)
    args = parser.parse_args(argv)
    from protocol_match.judge import save_models

    names = args.corpora.split(",")
    models = {}
    for backend in args.backend.split(","):
        rows: list[FeatureRow] = []
        t0 = time.perf_counter()
        for name in names:
            docs = load_docs(args.corpus, name)
            with build_store(docs, backend, args.work / f"{name}-{backend}") as corpus:
                rows += feature_table(name, docs, corpus)
        provenance = {
            "fitted_by": "benchmarks/fit_verdicts.py",
            "corpora": names,
            "labels_sha256": labels_digest(names),
            "backend": backend,
            "precision_target": args.precision,
            "date": time.strftime("%Y-%m-%d"),
        }
        models[backend] = fit(rows, args.precision, provenance)
        took = time.perf_counter() - t0
        print(f"{backend}: fitted on {len(rows)} passages in {took:.0f}s", file=sys.stderr)
        for level in LEVELS:
            print(f"  {level}: threshold {models[backend].level(level).threshold:.3f}",
                  file=sys.stderr)  # fmt: skip
    save_models(models, args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
