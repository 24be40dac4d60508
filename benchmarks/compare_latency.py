"""Latency of the default ``compare`` of a new 10-paragraph article against a large store.

Builds (or reuses, ``--store``) a store of generated articles with every default (the static
backend), then times ``Corpus.compare`` of articles of another seed — never in the store, so
their passages are embedded on the spot — with the model and the indexes loaded: the first
compare (loading indexes and gram statistics) apart, then p50/p99 over ``--runs`` articles.
Wall time and the process's CPU time are both recorded: on a shared machine the wall time
includes waiting for the CPU, the CPU time is what one idle core would take.

    python benchmarks/compare_latency.py                      # ~100k passages
    python benchmarks/compare_latency.py --store /tmp/s100k   # keep/reuse the store

Writes ``benchmarks/results/compare_latency.json``. Targets (issue 13): p50 <= 150 ms,
p99 <= 400 ms at 100k passages.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from _common import machine_info, write_json  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def build(path: Path, articles: int) -> float:
    from protocol_match import Corpus
    from protocol_match.synth import generate_corpus

    t0 = time.perf_counter()
    with Corpus.open(path, create=True) as corpus:
        corpus.add(generate_corpus(articles, seed=5).articles)
        corpus.templates()
    return time.perf_counter() - t0


def _percentiles(ms: list[float]) -> dict[str, int]:
    return {"p50": round(float(np.percentile(ms, 50))), "p99": round(float(np.percentile(ms, 99)))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=3800, help="~26 passages each")
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--out", type=Path, default=RESULTS / "compare_latency.json")
    args = parser.parse_args(argv)
    tmp = tempfile.TemporaryDirectory() if args.store is None else None
    path = args.store or Path(tmp.name) / "store"  # type: ignore[union-attr]
    build_s = None if (path / "store.sqlite").exists() else build(path, args.articles)

    from protocol_match import Corpus
    from protocol_match.synth import generate_corpus

    queries = [a for a in generate_corpus(4 * args.runs, seed=999).articles
               if a.text.count("\n\n") + 1 >= 8][: args.runs + 1]  # fmt: skip
    t0 = time.perf_counter()
    corpus = Corpus.open(path)
    corpus.embedder.encode(["load the model"])
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    corpus.compare(queries[0])
    first_s = time.perf_counter() - t0
    wall, cpu = [], []
    for q in queries[1:]:
        t0, c0 = time.perf_counter(), time.process_time()
        corpus.compare(q)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    stats = corpus.stats()
    corpus.close()
    result = {
        "passages": stats.paragraphs + stats.sentences,
        "articles": stats.articles,
        "backend": "static (default)",
        "build_and_mine_s": None if build_s is None else round(build_s, 1),
        "model_load_s": round(load_s, 2),
        "first_compare_s": round(first_s, 2),
        "runs": len(wall),
        "paragraphs_per_query": float(np.mean([q.text.count("\n\n") + 1 for q in queries])),
        "wall_ms": _percentiles(wall),
        "cpu_ms": _percentiles(cpu),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "machine": machine_info(),
    }  # fmt: skip
    write_json(args.out, result)
    print(
        f"{result['passages']:,} passages: compare p50 {result['wall_ms']['p50']} ms / p99 "
        f"{result['wall_ms']['p99']} ms wall, CPU p50 {result['cpu_ms']['p50']} / p99 "
        f"{result['cpu_ms']['p99']} ms; first compare {first_s:.1f} s, model load {load_s:.1f} s"
    )
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
