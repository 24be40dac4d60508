"""End-to-end benchmark on the product path: ``Corpus.add``, template mining, ``compare``.

For each store size (passages, paragraphs + sentences; articles come from
``synth.generate_corpus``) a store is built with ``Corpus.open(create=True, backend=...)``
and ``Corpus.add``, then templates are mined and ``compare`` of 10-paragraph articles that
are not in the store is timed. Every phase runs in its own (spawned) process, so peak RSS
is the phase's own and the model load and index load are paid where a user pays them.

Measured per store: indexing articles/s, passages/s and paragraphs/s, with the time split
into segmenting, embedding, SQLite and FAISS; store size on disk; template mining time and
peak RSS; model load time; the first compare (loads the indexes) and the p50/p99 of
``--runs`` further compares (different articles). Plain ``SentenceTransformer.encode`` of
the same kind of paragraphs, in the same run, is the reference for the indexing ratio.

    python benchmarks/endtoend.py --quick
    python benchmarks/endtoend.py --sizes 10000,100000,1000000 --torch-sizes 10000
    python benchmarks/endtoend.py --sizes 1000000 --reuse      # time an existing store again

Results: ``<out>/endtoend.json`` (rows merged with earlier runs by backend and size),
``<out>/endtoend.png`` and a table on stdout. The machine is 2 shared cores: the load
average before and after each phase is recorded with it.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import queue as queue_mod
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import machine_info, peak_rss_mb, rss_mb, write_json

ROOT = Path(__file__).resolve().parent.parent
PASSAGES_PER_ARTICLE = 26.3  # synth corpus: ~9.6 paragraphs + ~17.3 sentences (measured)
QUERY_SEED = 999  # query articles come from another seed: never in the store
TARGETS = {
    "compare_p50_ms_1M": 150.0,
    "index_ratio": 10.0,
    "mine_s_1M": 600.0,
    "mine_rss_mb_1M": 8192.0,
    "store_gb_1M": 2.0,
}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# ---------------------------------------------------------------- phases (child processes)


class _Clock:
    """Accumulates wall time of wrapped functions: where ``Corpus.add`` spends its time."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, owner: Any, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - t0

        setattr(owner, name, timed)


def phase_build(store: str, backend: str, n_passages: int, index_kind: str) -> dict[str, Any]:
    """Build a store of about ``n_passages`` passages; time ``Corpus.add`` stage by stage."""
    from protocol_match import corpus as corpus_mod
    from protocol_match.corpus import _adding as adding_mod
    from protocol_match.store import Store
    from protocol_match.synth import generate_corpus

    n_articles = max(2, math.ceil(n_passages / PASSAGES_PER_ARTICLE))
    t0 = time.perf_counter()
    articles = list(generate_corpus(n_articles, seed=1).articles)
    gen_s = time.perf_counter() - t0
    shutil.rmtree(store, ignore_errors=True)
    load0 = _load()
    t0 = time.perf_counter()
    corpus = corpus_mod.Corpus.open(store, create=True, backend=backend, index_kind=index_kind)
    corpus.embedder.encode(["warm up the model"])
    model_load_s = time.perf_counter() - t0
    clock = _Clock()
    # Stage split: segment and the encode call are wrapped where Corpus.add calls them;
    # "sqlite" is Store.add plus the cache lookup, "faiss" the index extension (+ saves).
    clock.wrap(adding_mod, "segment", "segment")
    clock.wrap(corpus.embedder, "encode", "embed")
    clock.wrap(Store, "vectors_for_keys", "sqlite")
    clock.wrap(Store, "add", "sqlite")
    clock.wrap(corpus_mod.Corpus, "_extend_indexes", "faiss")
    t0 = time.perf_counter()
    result = corpus.add(articles)
    add_s = time.perf_counter() - t0
    n_par = corpus.store.count("paragraph")
    stages = {k: round(v, 3) for k, v in clock.seconds.items()}
    stages["other"] = round(add_s - sum(clock.seconds.values()), 3)
    size = corpus.store.size_bytes()
    corpus.close()
    return {
        "backend": backend,
        "index_kind": index_kind,
        "articles": result.added,
        "passages": result.passages,
        "paragraphs": n_par,
        "generate_s": round(gen_s, 2),
        "model_load_s": round(model_load_s, 2),
        "add_s": round(add_s, 2),
        "articles_per_s": round(result.added / add_s, 1),
        "passages_per_s": round(result.passages / add_s, 1),
        "paragraphs_per_s": round(n_par / add_s, 1),
        "stages_s": stages,
        "store_bytes": size,
        "files": {p.name: p.stat().st_size for p in Path(store).iterdir() if p.is_file()},
        "build_peak_rss_mb": round(peak_rss_mb(), 0),
        "load_before": load0,
        "load_after": _load(),
    }


def phase_mine(store: str) -> dict[str, Any]:
    """Mine templates from scratch; time and peak RSS of this process."""
    from protocol_match.corpus import Corpus

    corpus = Corpus.open(store)
    for level in ("sentence", "paragraph", "article"):
        corpus.store.index(level)  # loaded from disk: not part of mining
    rss0 = rss_mb()
    load0 = _load()
    t0, cpu0 = time.perf_counter(), time.process_time()
    templates = corpus.templates(refresh=True)
    mine_s = time.perf_counter() - t0
    out = {
        "mine_s": round(mine_s, 2),
        # CPU seconds of all this process's threads: on a shared machine, wall time / CPU
        # time shows how much of the wall time was spent waiting for a core.
        "mine_cpu_s": round(time.process_time() - cpu0, 2),
        "templates": len(templates),
        "mine_rss_before_mb": round(rss0, 0),
        "mine_peak_rss_mb": round(peak_rss_mb(), 0),
        "mine_load_before": load0,
        "mine_load_after": _load(),
    }
    corpus.close()
    return out


def query_articles(n: int) -> list[Any]:
    """``n`` 10-paragraph articles from another seed than the store's (not in any store)."""
    from protocol_match.ingest import segment
    from protocol_match.synth import generate_corpus

    found: list[Any] = []
    size = 20 * n
    while len(found) < n:
        arts = generate_corpus(size, seed=QUERY_SEED).articles
        found = [a for a in arts if len(segment(a).paragraphs) == 10][:n]
        size *= 2
    return found


def phase_compare(store: str, runs: int) -> dict[str, Any]:
    """Open the store, load the model (timed apart), then time ``runs`` + 1 compares."""
    from protocol_match.corpus import Corpus

    queries = query_articles(runs + 1)
    load0 = _load()
    t0 = time.perf_counter()
    corpus = Corpus.open(store)
    open_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    corpus.embedder.encode(["warm up the model"])
    model_load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    corpus.compare(queries[0])  # loads indexes, templates and story groups
    first_ms = (time.perf_counter() - t0) * 1000
    lat = []
    for art in queries[1:]:
        t0 = time.perf_counter()
        corpus.compare(art)
        lat.append((time.perf_counter() - t0) * 1000)
    arr = np.asarray(lat)
    kinds = {lv: corpus.store.index(lv).kind for lv in ("paragraph", "sentence", "article")}
    corpus.close()
    return {
        "compare_open_s": round(open_s, 3),
        "compare_model_load_s": round(model_load_s, 2),
        "compare_first_ms": round(first_ms, 1),
        "compare_runs": len(lat),
        "compare_p50_ms": round(float(np.percentile(arr, 50)), 1),
        "compare_p99_ms": round(float(np.percentile(arr, 99)), 1),
        "compare_mean_ms": round(float(arr.mean()), 1),
        "index_kinds": kinds,
        "compare_peak_rss_mb": round(peak_rss_mb(), 0),
        "compare_load_before": load0,
        "compare_load_after": _load(),
    }


def phase_plain_encode(n: int, min_s: float) -> dict[str, Any]:
    """Plain ``SentenceTransformer.encode`` (defaults, batch 32) of synth paragraphs."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    from protocol_match.embed import bundled_model_path
    from protocol_match.ingest import segment
    from protocol_match.synth import generate_corpus

    paras: list[str] = []
    for art in generate_corpus(max(10, n // 5), seed=3).articles:
        paras.extend(p.text for p in segment(art).paragraphs)
    paras = paras[:n]
    t0 = time.perf_counter()
    model = SentenceTransformer(str(bundled_model_path()), device="cpu")
    load_s = time.perf_counter() - t0
    model.encode(paras[:32])
    done, t0 = 0, time.perf_counter()
    while done == 0 or time.perf_counter() - t0 < min_s:
        model.encode(paras)
        done += len(paras)
    secs = time.perf_counter() - t0
    return {
        "plain_paragraphs": len(paras),
        "plain_words_mean": round(float(np.mean([len(p.split()) for p in paras])), 1),
        "plain_model_load_s": round(load_s, 2),
        "plain_paragraphs_per_s": round(done / secs, 1),
        "load": _load(),
    }


def _child(fn_name: str, kwargs: dict[str, Any], queue: Any) -> None:
    try:
        queue.put(("ok", globals()[fn_name](**kwargs)))
    except BaseException as exc:  # report, do not hang the parent
        queue.put(("error", f"{type(exc).__name__}: {exc}"))


def run_phase(fn_name: str, **kwargs: Any) -> dict[str, Any]:
    """Run one phase in a fresh spawned process (own peak RSS, own model load)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn_name, kwargs, queue))
    proc.start()
    while True:
        try:
            status, payload = queue.get(timeout=5.0)
            break
        except queue_mod.Empty:
            if not proc.is_alive():  # died before reporting (killed, out of memory, ...)
                raise RuntimeError(f"{fn_name} died with exit code {proc.exitcode}") from None
    proc.join()
    if status != "ok":
        raise RuntimeError(f"{fn_name} failed: {payload}")
    return payload


# ---------------------------------------------------------------- driver


def measure_store(
    workdir: Path, backend: str, n_passages: int, index_kind: str, runs: int, reuse: bool
) -> dict[str, Any]:
    """Build (or reuse), mine and compare one store; one merged result row."""
    store = workdir / f"{backend}-{n_passages}"
    row: dict[str, Any] = {"backend": backend, "size": n_passages, "store": str(store)}
    meta = store / "endtoend-build.json"
    if reuse and meta.is_file():
        row.update(json.loads(meta.read_text()))
        row["reused_build"] = True
    else:
        print(f"building {store} ...", flush=True)
        row.update(
            run_phase(
                "phase_build",
                store=str(store),
                backend=backend,
                n_passages=n_passages,
                index_kind=index_kind,
            )
        )
        meta.write_text(json.dumps(row))
    print(f"mining {store} ...", flush=True)
    row.update(run_phase("phase_mine", store=str(store)))
    print(f"comparing against {store} ...", flush=True)
    row.update(run_phase("phase_compare", store=str(store), runs=runs))
    row["store_bytes"] = sum(p.stat().st_size for p in store.iterdir() if p.is_file())
    return row


def compare_timing(
    n_passages: int = 10_000, backend: str = "static", runs: int = 30, workdir: Path | None = None
) -> dict[str, Any]:
    """One store of ``n_passages``: build, mine, compare p50/p99 (for ``retrieval.py``)."""
    workdir = workdir or Path(os.environ.get("TMPDIR", "/tmp")) / "protocol_match_endtoend"
    workdir.mkdir(parents=True, exist_ok=True)
    kind = "ivf-sq8" if n_passages >= 500_000 else "auto"
    return measure_store(workdir, backend, n_passages, kind, runs, reuse=True)


def print_table(rows: list[dict[str, Any]], plain: dict[str, Any] | None) -> None:
    if plain:
        print(
            f"plain SentenceTransformer.encode: {plain['plain_paragraphs_per_s']:.1f} "
            f"paragraphs/s ({plain['plain_words_mean']} words each), load {plain['load']}"
        )
    head = (
        f"{'backend':<8}{'passages':>9}{'arts':>7}{'idx':>9}{'art/s':>8}{'pass/s':>8}"
        f"{'par/s':>8}{'ratio':>7}{'MB disk':>9}{'mine s':>8}{'mine MB':>8}{'load s':>7}"
        f"{'1st ms':>8}{'p50 ms':>8}{'p99 ms':>8}  load"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = r.get("ratio_to_plain")
        print(
            f"{r['backend']:<8}{r['passages']:>9}{r['articles']:>7}{r['index_kind']:>9}"
            f"{r['articles_per_s']:>8.0f}{r['passages_per_s']:>8.0f}{r['paragraphs_per_s']:>8.0f}"
            f"{(f'{ratio:.1f}' if ratio else '-'):>7}{r['store_bytes'] / 1e6:>9.0f}"
            f"{r['mine_s']:>8.1f}{r['mine_peak_rss_mb']:>8.0f}{r['compare_model_load_s']:>7.2f}"
            f"{r['compare_first_ms']:>8.0f}{r['compare_p50_ms']:>8.1f}{r['compare_p99_ms']:>8.1f}"
            f"  {r['compare_load_before']}"
        )


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for backend, style in (("static", "o-"), ("torch", "s--")):
        sel = sorted((r for r in rows if r["backend"] == backend), key=lambda r: r["passages"])
        if not sel:
            continue
        x = [r["passages"] for r in sel]
        axes[0].plot(x, [r["compare_p50_ms"] for r in sel], style, label=f"{backend} p50")
        axes[0].plot(
            x, [r["compare_p99_ms"] for r in sel], style, alpha=0.4, label=f"{backend} p99"
        )
        axes[1].plot(x, [r["passages_per_s"] for r in sel], style, label=backend)
        axes[2].plot(x, [r["mine_s"] for r in sel], style, label=f"{backend} mine s")
        axes[2].plot(
            x,
            [r["mine_peak_rss_mb"] / 1000 for r in sel],
            style,
            alpha=0.4,
            label=f"{backend} mine peak GB",
        )
    axes[0].axhline(TARGETS["compare_p50_ms_1M"], color="grey", ls=":", label="target p50")
    titles = (
        "compare of a 10-paragraph article (ms)",
        "Corpus.add passages/s",
        "template mining: s and peak GB",
    )
    for ax, title in zip(axes, titles, strict=True):
        ax.set_xscale("log")
        ax.set_xlabel("passages in store")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    axes[0].set_yscale("log")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--sizes",
        default="10000,100000,1000000",
        help="store sizes in passages, static backend (comma-separated)",
    )
    p.add_argument("--torch-sizes", default="10000", help="store sizes for the torch backend")
    p.add_argument("--runs", type=int, default=30, help="timed compares per store")
    p.add_argument(
        "--large-index",
        default="ivf-sq8",
        help="index kind for stores of >= 500k passages (smaller ones: auto)",
    )
    p.add_argument("--plain", type=int, default=256, help="paragraphs for plain encode")
    p.add_argument(
        "--workdir",
        type=Path,
        default=Path(os.environ.get("TMPDIR", "/tmp")) / "protocol_match_endtoend",
    )
    p.add_argument("--reuse", action="store_true", help="reuse stores built by an earlier run")
    p.add_argument("--quick", action="store_true", help="small sizes, < 1 min")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.torch_sizes, args.runs, args.plain = "3000", "", 10, 64
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    t_start = time.perf_counter()
    args.workdir.mkdir(parents=True, exist_ok=True)
    sizes = [("static", int(s)) for s in args.sizes.split(",") if s.strip()]
    sizes += [("torch", int(s)) for s in args.torch_sizes.split(",") if s.strip()]
    sizes.sort(key=lambda bs: bs[1])  # small stores first: their figures arrive early
    plain = run_phase("phase_plain_encode", n=args.plain, min_s=3.0 if args.quick else 15.0)
    rows = []
    for backend, size in sizes:
        kind = args.large_index if size >= 500_000 else "auto"
        row = measure_store(args.workdir, backend, size, kind, args.runs, args.reuse)
        row["plain_paragraphs_per_s"] = plain["plain_paragraphs_per_s"]
        row["ratio_to_plain"] = round(row["paragraphs_per_s"] / plain["plain_paragraphs_per_s"], 1)
        rows.append(row)
        print_table([row], None)
    out_json = args.out / ("endtoend-quick.json" if args.quick else "endtoend.json")
    old = json.loads(out_json.read_text()).get("results", []) if out_json.is_file() else []
    keep = {(r["backend"], r["size"]) for r in rows}
    merged = [r for r in old if (r["backend"], r["size"]) not in keep] + rows
    merged.sort(key=lambda r: (r["backend"], r["size"]))
    write_json(
        out_json,
        {
            "benchmark": "endtoend",
            "command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
            "machine": machine_info(),
            "load_average_end": _load(),
            "targets": TARGETS,
            "plain_encode": plain,
            "results": merged,
        },
    )
    print()
    print_table(merged, plain)
    png = out_json.with_suffix(".png")
    plot(merged, png)
    print(f"wrote {out_json} and {png} ({time.perf_counter() - t_start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
