"""Retrieval benchmark: FAISS index kinds against exact search, 10k -> 1M vectors.

For each corpus size and index kind: build time, index size (bytes that ``save`` writes,
identical to ``faiss.serialize_index``), process RSS growth, batch queries/s (``--queries``
queries at once), single-query p50/p99 latency, recall@10 against exact search, and a
recall-vs-speed sweep of the search parameter. A plain numpy matmul + argpartition row is
the baseline. Results: ``<out>/retrieval.json`` (merged with earlier runs of other sizes),
a table on stdout and ``<out>/retrieval.png``.

Vectors are a stand-in unless ``--vectors FILE.npy`` is given: "random-clustered" unit
vectors (384-d, ~1000 clusters of skewed sizes, each spread over its own low-dimensional
subspace plus isotropic noise, all sharing a common direction, as sentence embeddings do).
Queries are held-out points from the same clusters (not in the index).

    python benchmarks/retrieval.py --quick
    python benchmarks/retrieval.py --sizes 10000,100000,1000000
    python benchmarks/retrieval.py --vectors embeddings.npy --sizes 100000
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import latencies_ms, machine_info, peak_rss_mb, rss_mb, write_json

from protocol_match.store import INDEX_KINDS, VectorIndex

K = 10
COLORS = {"flat": "C0", "hnsw": "C1", "ivf": "C2", "ivf-sq8": "C3", "numpy-exact": "C4"}
SWEEP = {  # search parameters tried for the recall-vs-speed curves
    "hnsw": (16, 32, 64, 128, 256),
    "ivf": (1, 4, 8, 16, 32, 64),
    "ivf-sq8": (1, 4, 8, 16, 32, 64),
}


# ---------------------------------------------------------------- data


def clustered_mixture(dim: int = 384, n_clusters: int = 1000, seed: int = 0) -> dict[str, Any]:
    """The fixed "random-clustered" mixture: ``n_clusters`` centers sharing a common
    direction, each with a random rank-16 spread and skewed (lognormal) weights. Neighbour
    cosines come out at roughly 0.5-0.8, like sentence embeddings of related passages."""
    rng = np.random.default_rng(seed)
    shared = rng.standard_normal(dim).astype(np.float32)
    shared /= np.linalg.norm(shared)
    centers = rng.standard_normal((n_clusters, dim)).astype(np.float32)
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    centers = centers + 0.35 * shared
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    weights = rng.lognormal(0.0, 1.0, n_clusters)
    return {
        "centers": centers,
        "bases": rng.standard_normal((n_clusters, dim, 16)).astype(np.float32) / np.sqrt(dim),
        "spread": rng.uniform(0.5, 1.1, n_clusters).astype(np.float32),
        "weights": weights / weights.sum(),
    }


def sample_mixture(mix: dict[str, Any], n: int, seed: int, chunk: int = 8192) -> np.ndarray:
    """``n`` unit vectors drawn from ``mix`` (center + spread + isotropic noise)."""
    rng = np.random.default_rng(seed)
    centers, bases, spread, weights = mix["centers"], mix["bases"], mix["spread"], mix["weights"]
    dim, rank = bases.shape[1], bases.shape[2]
    out = np.empty((n, dim), dtype=np.float32)
    for lo in range(0, n, chunk):
        m = min(chunk, n - lo)
        c = rng.choice(len(weights), size=m, p=weights)
        z = rng.standard_normal((m, rank)).astype(np.float32) / np.sqrt(rank)
        local = np.einsum("mdr,mr->md", bases[c], z) * spread[c, None]
        noise = rng.standard_normal((m, dim)).astype(np.float32) * (0.3 / np.sqrt(dim))
        x = centers[c] + local + noise
        out[lo : lo + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def load_data(args: argparse.Namespace, n_max: int) -> tuple[np.ndarray, np.ndarray, str]:
    """(corpus of up to ``n_max`` vectors, held-out queries, source label)."""
    if args.vectors:
        raw = np.load(args.vectors, mmap_mode="r")
        if raw.ndim != 2 or raw.shape[0] <= args.queries:
            sys.exit(f"{args.vectors}: need a 2-D array with more than {args.queries} rows")
        queries = np.array(raw[-args.queries :], dtype=np.float32)
        corpus = np.array(raw[: min(n_max, raw.shape[0] - args.queries)], dtype=np.float32)
        for a in (queries, corpus):
            a /= np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
        return corpus, queries, f"file:{Path(args.vectors).name}"
    mix = clustered_mixture(args.dim, args.clusters, args.seed)
    corpus = sample_mixture(mix, n_max, seed=args.seed + 1)
    queries = sample_mixture(mix, args.queries, seed=args.seed + 2)  # held out: other draws
    return corpus, queries, "random-clustered"


# ---------------------------------------------------------------- measurements


def _recall(truth: np.ndarray, found: np.ndarray) -> float:
    hits = sum(np.intersect1d(t, f).size for t, f in zip(truth, found, strict=True))
    return hits / truth.size


def numpy_topk(corpus: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """The plain baseline: matmul + argpartition + sort of the top k (ids = row numbers).
    Chunked so the score matrix stays around 256 MB."""
    out = np.empty((len(queries), k), dtype=np.int64)
    chunk = max(1, (64 * 1024 * 1024) // len(corpus))
    for lo in range(0, len(queries), chunk):
        scores = queries[lo : lo + chunk] @ corpus.T
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1)
        out[lo : lo + chunk] = np.take_along_axis(part, order, axis=1)
    return out


def bench_exact(
    corpus: np.ndarray, queries: np.ndarray, args: argparse.Namespace
) -> tuple[dict[str, Any], np.ndarray]:
    """The numpy baseline; its batch result is also the ground truth for recall."""
    t0 = time.perf_counter()
    truth = numpy_topk(corpus, queries, K)
    batch_s = time.perf_counter() - t0
    lat = latencies_ms(
        lambda i: numpy_topk(corpus, queries[i : i + 1], K), args.single, args.budget
    )
    row = {
        "kind": "numpy-exact",
        "build_s": 0.0,
        "index_bytes": int(corpus.nbytes),
        "rss_growth_mb": 0.0,
        "batch_qps": len(queries) / batch_s,
        "p50_ms": float(np.percentile(lat, 50)),
        "p99_ms": float(np.percentile(lat, 99)),
        "single_queries": int(lat.size),
        "recall_at_10": 1.0,
        "search_param": None,
    }
    return row, truth


def bench_kind(
    kind: str,
    corpus: np.ndarray,
    ids: np.ndarray,
    queries: np.ndarray,
    truth: np.ndarray,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Build one index kind and measure it."""
    gc.collect()
    rss0 = rss_mb()
    t0 = time.perf_counter()
    index = VectorIndex.build(corpus, ids, kind)
    build_s = time.perf_counter() - t0
    rss_growth = rss_mb() - rss0
    with tempfile.TemporaryDirectory(dir=args.out) as tmp:
        path = Path(tmp) / f"{kind}.faiss"
        t0 = time.perf_counter()
        index.save(path)
        save_s = time.perf_counter() - t0
        index_bytes = path.stat().st_size  # == faiss.serialize_index(...).size, no RAM copy
        t0 = time.perf_counter()
        VectorIndex.load(path)
        load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    _, found = index.search(queries, K)
    batch_s = time.perf_counter() - t0

    def one(i: int) -> None:
        index.search(queries[i : i + 1], K)

    lat = latencies_ms(one, args.single, args.budget)
    row: dict[str, Any] = {
        "kind": index.kind,
        "build_s": build_s,
        "index_bytes": int(index_bytes),
        "rss_growth_mb": rss_growth,
        "save_s": save_s,
        "load_s": load_s,
        "batch_qps": len(queries) / batch_s,
        "p50_ms": float(np.percentile(lat, 50)),
        "p99_ms": float(np.percentile(lat, 99)),
        "single_queries": int(lat.size),
        "recall_at_10": _recall(truth, found),
        "search_param": index.search_param,
        "nlist": int(index._index.nlist) if index.kind.startswith("ivf") else None,
        "sweep": _sweep(index, queries, truth),
    }
    return row  # the index is freed here; the next bench_kind collects before measuring


def _sweep(index: VectorIndex, queries: np.ndarray, truth: np.ndarray) -> list[dict[str, Any]]:
    """Recall and batch queries/s for a range of search parameters (calibrated one restored)."""
    if index.kind not in SWEEP:
        return []
    calibrated = index.search_param
    out = []
    for value in SWEEP[index.kind]:
        _set_param(index, value)
        t0 = time.perf_counter()
        _, found = index.search(queries, K)
        secs = time.perf_counter() - t0
        out.append(
            {"param": value, "recall_at_10": _recall(truth, found), "qps": len(queries) / secs}
        )
    _set_param(index, calibrated)
    return out


def _set_param(index: VectorIndex, value: int | None) -> None:
    if value is None:
        return
    if index.kind == "hnsw":
        index._hnsw().efSearch = value
    else:
        index._index.nprobe = min(value, index._index.nlist)


# ---------------------------------------------------------------- end-to-end hook


def compare_timing(args: argparse.Namespace) -> dict[str, Any] | None:
    """End-to-end ``compare`` of a 10-paragraph article against a real store of
    ``--compare-store`` passages (static backend, built from the synthetic corpus and
    reused between runs), model load reported apart: ``endtoend.compare_timing``, the same
    code as ``benchmarks/endtoend.py``. None unless ``--compare-store`` is given."""
    if not args.compare_store:
        return None
    from endtoend import compare_timing as endtoend_compare

    row = endtoend_compare(args.compare_store, runs=args.compare_runs)
    keys = (
        "backend",
        "passages",
        "index_kind",
        "compare_model_load_s",
        "compare_first_ms",
        "compare_p50_ms",
        "compare_p99_ms",
        "compare_runs",
        "compare_load_before",
    )
    return {k: row[k] for k in keys if k in row}


# ---------------------------------------------------------------- output


def print_table(rows: list[dict[str, Any]]) -> None:
    head = (
        f"{'source':<17}{'size':>9} {'kind':<12}{'param':>6}{'build s':>9}{'MB':>8}"
        f"{'RSS+MB':>8}{'batch q/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'recall@10':>10}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        param = "" if r.get("search_param") is None else str(r["search_param"])
        print(
            f"{r['source']:<17}{r['size']:>9} {r['kind']:<12}{param:>6}{r['build_s']:>9.2f}"
            f"{r['index_bytes'] / 1e6:>8.0f}{r['rss_growth_mb']:>8.0f}{r['batch_qps']:>11.0f}"
            f"{r['p50_ms']:>9.3f}{r['p99_ms']:>9.3f}{r['recall_at_10']:>10.3f}"
        )


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    source = rows[-1]["source"]
    rows = [r for r in rows if r["source"] == source]
    kinds = sorted({r["kind"] for r in rows})
    biggest = max(r["size"] for r in rows)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5))
    for kind in kinds:
        mine = sorted((r for r in rows if r["kind"] == kind), key=lambda r: r["size"])
        top = [r for r in mine if r["size"] == biggest]
        if top:
            r = top[0]
            pts = [(s["qps"], s["recall_at_10"]) for s in r.get("sweep", [])]
            pts = pts or [(r["batch_qps"], r["recall_at_10"])]
            color = COLORS.get(kind)
            ax1.plot(*zip(*pts, strict=True), marker="o", label=kind, color=color)
            ax1.scatter([r["batch_qps"]], [r["recall_at_10"]], s=120, marker="*",
                        color=color, zorder=3)  # fmt: skip
        ax2.plot([r["size"] for r in mine], [r["p50_ms"] for r in mine], marker="o", label=kind,
                 color=COLORS.get(kind))  # fmt: skip
    ax1.set_xscale("log")
    ax1.set_xlabel(f"batch queries/s ({biggest:,} vectors; star = calibrated setting)")
    ax1.set_ylabel("recall@10 vs exact")
    ax1.axhline(0.95, color="grey", lw=0.8, ls="--")
    ax1.set_title("recall vs throughput")
    ax1.legend()
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel("corpus size (vectors)")
    ax2.set_ylabel("single-query p50 latency (ms)")
    ax2.set_title("latency vs corpus size")
    ax2.legend()
    stand_in = " (synthetic stand-in)" if source == "random-clustered" else ""
    fig.suptitle(f"protocol_match retrieval benchmark - {source} vectors{stand_in}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def merge(old_path: Path, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Earlier rows for other (source, size, kind) stay; measured ones are replaced."""
    if not old_path.exists():
        return rows
    try:
        old = json.loads(old_path.read_text()).get("results", [])
    except (OSError, ValueError):
        return rows
    new_keys = {(r["source"], r["size"], r["kind"]) for r in rows}
    kept = [r for r in old if (r["source"], r["size"], r["kind"]) not in new_keys]
    return sorted(kept + rows, key=lambda r: (r["source"], r["size"], r["kind"]))


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--sizes", default="10000,100000", help="comma-separated corpus sizes")
    p.add_argument("--kinds", default=",".join(INDEX_KINDS), help="comma-separated index kinds")
    p.add_argument("--quick", action="store_true", help="10k and 50k, 200 queries (< 1 min)")
    p.add_argument("--queries", type=int, default=1000, help="batch size for queries/s, recall")
    p.add_argument("--single", type=int, default=1000, help="max single queries for latency")
    p.add_argument("--budget", type=float, default=15.0, help="seconds per single-query loop")
    p.add_argument("--vectors", help="benchmark real embeddings from this .npy (n, d)")
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--clusters", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    p.add_argument("--fresh", action="store_true", help="do not merge with earlier results")
    p.add_argument("--replot", action="store_true", help="only redraw the plot from the JSON")
    p.add_argument(
        "--compare-store",
        type=int,
        default=0,
        help="also time Corpus.compare against a store of this many passages",
    )
    p.add_argument("--compare-runs", type=int, default=30, help="timed compares (--compare-store)")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.queries, args.single, args.budget = "10000,50000", 200, 200, 2.0
    args.size_list = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    args.kind_list = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = set(args.kind_list) - set(INDEX_KINDS)
    if unknown:
        p.error(f"unknown kinds {sorted(unknown)}; choose from {INDEX_KINDS}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.replot:
        rows = json.loads((args.out / "retrieval.json").read_text())["results"]
        print_table(rows)
        plot(rows, args.out / "retrieval.png")
        return 0
    t_start = time.perf_counter()
    load_start = os.getloadavg()  # other work on the machine skews timings: record it
    corpus_all, queries, source = load_data(args, max(args.size_list))
    shape = f"{corpus_all.shape[0]:,} x {corpus_all.shape[1]}"
    took = time.perf_counter() - t_start
    print(f"data: {source}, {shape}, {len(queries)} held-out queries ({took:.1f} s)", flush=True)
    rows: list[dict[str, Any]] = []
    for size in args.size_list:
        if size > corpus_all.shape[0]:
            print(f"skip {size}: only {corpus_all.shape[0]} vectors", flush=True)
            continue
        corpus = corpus_all[:size]
        ids = np.arange(size, dtype=np.int64)
        row, truth = bench_exact(corpus, queries, args)
        measured = [row]
        for kind in args.kind_list:
            measured.append(bench_kind(kind, corpus, ids, queries, truth, args))
            r = measured[-1]
            print(f"  {size:>9,} {kind:<8} build {r['build_s']:.1f}s recall {r['recall_at_10']:.3f}"
                  f" p50 {r['p50_ms']:.3f} ms", flush=True)  # fmt: skip
        for r in measured:
            r.update(source=source, size=size, dimension=int(corpus.shape[1]),
                     queries=len(queries))  # fmt: skip
        rows += measured
    out_json = args.out / "retrieval.json"
    all_rows = rows if args.fresh else merge(out_json, rows)
    write_json(out_json, {
        "benchmark": "retrieval",
        "data_note": "random-clustered = synthetic stand-in vectors (see retrieval.py docstring)",
        "k": K,
        "machine": machine_info(),
        "peak_rss_mb": peak_rss_mb(),
        "loadavg_1_5_15": {"start": load_start, "end": os.getloadavg()},
        "last_run": {"argv": sys.argv[1:], "seconds": time.perf_counter() - t_start},
        "compare": compare_timing(args),
        "results": all_rows,
    })  # fmt: skip
    print_table(all_rows)
    plot(all_rows, args.out / "retrieval.png")
    print(f"wrote {out_json} and {args.out / 'retrieval.png'} "
          f"(peak RSS {peak_rss_mb():.0f} MB, {time.perf_counter() - t_start:.0f} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
