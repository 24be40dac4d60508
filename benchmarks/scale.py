"""Scaling out: Ray indexing throughput against the number of workers, shard sizes, and a
projection to 10M and 100M passages on N machines.

Runs a local Ray instance (loopback only), indexes the same generated corpus with 1 and 2
embedding workers (one core each, one shard per worker) into fresh stores and records:
passages/s, per-worker passages/s, time spent by the single SQLite writer, worker memory
(model loaded) and index bytes per passage. The projection uses those per-worker figures::

    embed time   = passages / (per-core passages/s * machines * cores per machine)
    writer time  = passages * measured commit seconds per passage (one driver, pipelined)
    wall         ~ max(embed time, writer time) + shard builds (parallel, one per shard)

Usage: ``python benchmarks/scale.py [--articles 120] [--workers 1 2] [--out FILE]``
Writes JSON (default ``benchmarks/results/scale.json``) and prints a table.

``--mine`` measures mining instead (``_scale_mine``): stores of ``--passages`` generated
passages (kept in ``--work``), mined by the single machine (``--reference``, the sizes it
runs at) and on a loopback Ray cluster with each ``--workers`` count; wall time, stage times,
peak memory of the driver, the workers and the object store, how the templates, duplicate
groups and gram counts compare with the single machine's, and a projection to 100M passages
(``benchmarks/results/scale-mine.json``)::

    python benchmarks/scale.py --mine --passages 1000000 3000000 --reference 1000000

``--seed-noise`` also mines the reference sizes with the single machine's seeds shifted by one
(how much the reference moves by itself); ``--reuse-reference`` keeps a reference already
mined in ``--work``; ``--workers`` with no number runs no Ray phase.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_info, write_json  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
# Measured by benchmarks/retrieval.py (2 cores): an IVF-SQ8 index of 1M 384-d vectors is
# 394 MB and builds in 87.5 s; choose_kind picks ivf-sq8 from 500k vectors per shard.
IVF_SQ8_BYTES_PER_VECTOR = 394e6 / 1e6
IVF_SQ8_BUILD_S_PER_MILLION = 87.5
MACHINES = (1, 4, 16, 64)
CORES_PER_MACHINE = 16


def write_inputs(n_articles: int, folder: Path, files: int = 8) -> int:
    """The generated corpus as ``files`` JSONL files; returns the article count."""
    from protocol_match.synth import generate_corpus

    arts = generate_corpus(n_articles, seed=7).articles
    folder.mkdir(parents=True)
    per = -(-len(arts) // files)
    for i in range(files):
        with (folder / f"part{i}.jsonl").open("w") as fh:
            for a in arts[i * per : (i + 1) * per]:
                row = {"id": a.id, "text": a.text, "date": a.date, "source": a.source}
                fh.write(json.dumps(row) + "\n")
    return len(arts)


def run_one(inputs: Path, workers: int, batch: int, tmp: Path) -> dict[str, Any]:
    """Index ``inputs`` with ``workers`` embedding workers; returns the measured figures."""
    from protocol_match.corpus import Corpus
    from protocol_match.distributed import RaySettings, add_with_ray

    store = tmp / f"store-{workers}"
    shutil.rmtree(store, ignore_errors=True)
    settings = RaySettings(workers=workers, shards=workers, batch_size=batch)
    with Corpus.open(store, create=True) as corpus:
        started = time.perf_counter()
        res = add_with_ray(corpus, [inputs], settings)
        wall = time.perf_counter() - started
        size = corpus.store.size_bytes()
    n = res.result.passages
    embed_s = res.seconds["embed"]
    index_bytes = sum(sum(v) for v in res.shard_bytes.values())
    vectors = res.result.passages + res.result.added  # passage vectors + article vectors
    return {
        "workers": workers,
        "articles": res.result.added,
        "passages": n,
        "embedded": res.result.embedded,
        "seconds": {k: round(v, 2) for k, v in res.seconds.items()} | {"wall": round(wall, 2)},
        "passages_per_s": round(n / embed_s, 1),
        "passages_per_s_per_worker": round(n / embed_s / workers, 1),
        "commit_ms_per_passage": round(1000 * res.seconds.get("commit", 0.0) / n, 3),
        "worker_rss_mb": [round(x) for x in res.worker_rss_mb],
        "shard_bytes": res.shard_bytes,
        "index_bytes_per_vector": round(index_bytes / vectors, 1),
        "store_bytes": size,
        "sqlite_bytes_per_passage": round((size - index_bytes) / n, 1),
    }


def project(run: dict[str, Any], passages: int, machines: int) -> dict[str, Any]:
    """Time and memory to index ``passages`` on ``machines`` x CORES_PER_MACHINE workers."""
    workers = machines * CORES_PER_MACHINE
    embed_h = passages / (run["passages_per_s_per_worker"] * workers) / 3600
    writer_h = passages * run["commit_ms_per_passage"] / 1000 / 3600
    shards = workers  # one shard per worker (the --shards default)
    per_shard = passages / shards
    build_h = IVF_SQ8_BUILD_S_PER_MILLION * per_shard / 1e6 / 3600 if per_shard >= 5e5 else 0.0
    return {
        "passages": passages,
        "machines": machines,
        "workers": workers,
        "embed_hours": round(embed_h, 2),
        "writer_hours": round(writer_h, 2),
        "wall_hours": round(max(embed_h, writer_h) + build_h, 2),
        "bound_by": "writer" if writer_h > embed_h else "embedding",
        "shard_index_gb": round(per_shard * IVF_SQ8_BYTES_PER_VECTOR / 1e9, 2),
        "all_indexes_gb": round(passages * IVF_SQ8_BYTES_PER_VECTOR / 1e9, 1),
        "sqlite_gb": round(passages * run["sqlite_bytes_per_passage"] / 1e9, 1),
        "driver_open_shard_gb": round(per_shard * 384 * 4 / 1e9, 2),
        "worker_gb": round(max(run["worker_rss_mb"]) / 1024, 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=120)
    ap.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--mine", action="store_true", help="measure mining (see the docstring)")
    ap.add_argument("--passages", type=int, nargs="+", default=[1_000_000, 3_000_000])
    ap.add_argument("--reference", type=int, nargs="*", default=[1_000_000],
                    help="store sizes also mined by the single machine")  # fmt: skip
    ap.add_argument("--partition", type=int, default=250_000, help="passages per partition")
    ap.add_argument("--work", type=Path, default=Path("/tmp/pm-scale-mine"))
    ap.add_argument(
        "--seed-noise",
        action="store_true",
        help="also mine the reference sizes with seeds shifted by one (yardstick)",
    )
    ap.add_argument("--reuse-reference", action="store_true",
                    help="keep a reference already mined in --work")  # fmt: skip
    args = ap.parse_args(argv)
    if args.mine:
        from _scale_mine import main_mine

        return main_mine(args, args.out or RESULTS / "scale-mine.json")
    args.out = args.out or RESULTS / "scale.json"
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # bind Ray to 127.0.0.1 only
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import ray

    ray.init(
        num_cpus=max(args.workers), include_dashboard=False, _node_ip_address="127.0.0.1",
        log_to_driver=False,
    )  # fmt: skip
    runs = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            inputs = Path(tmp) / "articles"
            write_inputs(args.articles, inputs)
            for w in args.workers:
                runs.append(run_one(inputs, w, args.batch, Path(tmp)))
    finally:
        ray.shutdown()
    best = max(runs, key=lambda r: r["passages_per_s_per_worker"])
    projections = [project(best, p, m) for p in (10_000_000, 100_000_000) for m in MACHINES]
    load = os.getloadavg()
    write_json(
        args.out,
        {"machine": machine_info(), "load_average": load, "runs": runs,
         "projection_basis": {"workers": best["workers"],
                              "cores_per_machine": CORES_PER_MACHINE},
         "projections": projections},
    )  # fmt: skip
    print(f"load average {load[0]:.1f}; {runs[0]['articles']} articles")
    print(f"{'workers':>7} {'passages':>8} {'start s':>7} {'embed s':>7} {'p/s':>6} "
          f"{'p/s/wkr':>7} {'commit ms/p':>11} {'worker MB':>9} {'index B/vec':>11}")  # fmt: skip
    for r in runs:
        s = r["seconds"]
        print(f"{r['workers']:>7} {r['passages']:>8} {s['start']:>7} {s['embed']:>7} "
              f"{r['passages_per_s']:>6} {r['passages_per_s_per_worker']:>7} "
              f"{r['commit_ms_per_passage']:>11} {max(r['worker_rss_mb']):>9} "
              f"{r['index_bytes_per_vector']:>11}")  # fmt: skip
    basis = f"{CORES_PER_MACHINE} cores/machine, from the {best['workers']}-worker run"
    print(f"\nprojection ({basis})")
    print(f"{'passages':>9} {'machines':>8} {'embed h':>8} {'writer h':>8} {'wall h':>7} "
          f"{'bound':>9} {'shard GB':>8} {'sqlite GB':>9}")  # fmt: skip
    for p in projections:
        print(f"{p['passages']:>9.0e} {p['machines']:>8} {p['embed_hours']:>8} "
              f"{p['writer_hours']:>8} {p['wall_hours']:>7} {p['bound_by']:>9} "
              f"{p['shard_index_gb']:>8} {p['sqlite_gb']:>9}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
