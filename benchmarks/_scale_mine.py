"""``benchmarks/scale.py --mine``: template and duplicate mining of a generated store, on the
driver alone (``Corpus.templates``, the reference) and on a loopback Ray cluster
(``mine_on_ray``) with 1 and 2 workers, each phase in its own process.

Memory: the driver's peak RSS (``ru_maxrss`` of the phase's process, which counts the object
store pages it wrote) and peak private memory (``RssAnon``, sampled); the workers' from
``/proc`` sampled every 0.25 s (the ``ray::`` processes of this run's Ray instance: the peak
of each, and the peak of their sum of private memory, ``RssAnon``), and the object store's
shared memory (``/dev/shm`` in use; other jobs on the machine may add to it). After each
run the templates (passage -> template text), duplicate groups and gram counts are saved,
and the Ray runs are compared with the reference.
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing as mp
import os
import resource
import shutil
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

PASSAGES_PER_ARTICLE = 26.3  # synth corpus: ~9.6 paragraphs + ~17.3 sentences (endtoend.py)
STORE_SEED = 1


def build_store(path: Path, passages: int) -> dict[str, Any]:
    """A store of about ``passages`` generated passages (static backend, flat indexes: the
    index kind does not matter to mining). Kept for later runs when it exists already."""
    from protocol_match.corpus import Corpus
    from protocol_match.synth import generate_corpus

    if (path / "store.sqlite").is_file() and (path / "BUILT").is_file():
        with Corpus.open(path) as corpus:
            s = corpus.store
            return {"store": str(path), "reused": True, "articles": s.count("article"),
                    "passages": s.count("sentence") + s.count("paragraph")}  # fmt: skip
    shutil.rmtree(path, ignore_errors=True)
    n_articles = max(2, math.ceil(passages / PASSAGES_PER_ARTICLE))
    started = time.perf_counter()
    articles = generate_corpus(n_articles, seed=STORE_SEED).articles
    with Corpus.open(path, create=True, backend="static", index_kind="flat") as corpus:
        result = corpus.add(articles)
    (path / "BUILT").write_text("ok")
    build_s = round(time.perf_counter() - started, 1)
    return {"store": str(path), "reused": False, "articles": result.added,
            "passages": result.passages, "build_s": build_s}  # fmt: skip


# ------------------------------------------------------------------ memory sampling


def _status(pid: str) -> dict[str, int]:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("VmRSS:", "RssAnon:")):
                    key, value = line.split()[:2]
                    out[key[:-1]] = int(value) // 1024
    except OSError:
        pass
    return out


def _ray_pids() -> list[str]:
    """The ``ray::`` worker processes started by this process's Ray instance (descendants
    of this process: other jobs' Ray workers on the machine do not count)."""
    parent, ray_procs = {}, []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as fh:
                parent[pid] = fh.read().rsplit(")", 1)[1].split()[1]
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if fh.read(5) == b"ray::":
                    ray_procs.append(pid)
        except (OSError, IndexError):
            pass
    me = str(os.getpid())

    def mine(pid: str) -> bool:
        for _ in range(16):
            pid = parent.get(pid, "0")
            if pid == me:
                return True
            if pid in ("0", "1"):
                return False
        return False

    return [p for p in ray_procs if mine(p)]


class MemorySampler(threading.Thread):
    """Peaks of the Ray worker processes' memory and of the object store while running."""

    def __init__(self, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.peak_worker_mb = 0
        self.peak_workers_anon_mb = 0
        self.peak_shm_mb = 0
        self.peak_driver_anon_mb = 0
        self._shm0 = self._shm()
        self._halt = threading.Event()

    @staticmethod
    def _shm() -> int:
        st = os.statvfs("/dev/shm")
        return (st.f_blocks - st.f_bfree) * st.f_frsize // (1 << 20)

    def run(self) -> None:
        while not self._halt.wait(self.every):
            stats = [_status(p) for p in _ray_pids()]
            if stats:
                self.peak_worker_mb = max(self.peak_worker_mb, *(s.get("VmRSS", 0) for s in stats))
                anon = sum(s.get("RssAnon", 0) for s in stats)
                self.peak_workers_anon_mb = max(self.peak_workers_anon_mb, anon)
            self.peak_shm_mb = max(self.peak_shm_mb, self._shm() - self._shm0)
            own = _status(str(os.getpid())).get("RssAnon", 0)
            self.peak_driver_anon_mb = max(self.peak_driver_anon_mb, own)

    def stop(self) -> dict[str, int]:
        self._halt.set()
        self.join()
        return {"driver_peak_anon_mb": self.peak_driver_anon_mb,
                "worker_peak_rss_mb": self.peak_worker_mb,
                "workers_peak_anon_mb_sum": self.peak_workers_anon_mb,
                "object_store_peak_mb": self.peak_shm_mb}  # fmt: skip


# ------------------------------------------------------------------ phases


def _dump(corpus: Any, out: Path, groups: list) -> dict[str, Any]:
    """Save passage -> template text hash, duplicate groups and gram counts of a mined store."""
    pids, keys = [], []
    templates = corpus.templates()
    for t in templates:
        h = int.from_bytes(hashlib.blake2b(t.text.encode(), digest_size=8).digest(), "little")
        for m in t.members:
            pids.append(m.passage_id)
            keys.append(h)
    grams = {}
    for level in ("sentence", "paragraph"):
        n, k, c = corpus.store.gram_stats(level)
        grams[f"{level}_n"], grams[f"{level}_keys"], grams[f"{level}_counts"] = np.asarray(n), k, c
    np.savez(out.with_suffix(".npz"), pids=np.asarray(pids, np.int64),
             keys=np.asarray(keys, np.uint64), **grams)  # fmt: skip
    out.with_suffix(".groups.json").write_text(json.dumps([list(g.articles) for g in groups]))
    return {"templates": len(templates), "members": len(pids)}


def phase_single(store: str, out: str) -> dict[str, Any]:
    from protocol_match.corpus import Corpus

    with Corpus.open(store) as corpus:
        load0 = os.getloadavg()
        t0, cpu0 = time.perf_counter(), time.process_time()
        corpus.templates(refresh=True)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        groups = corpus.duplicates()  # not timed: mining computed them already
        info = _dump(corpus, Path(out), groups)
    return {"mode": "single", "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "driver_peak_rss_mb": round(peak), "load_before": load0,
            "load_after": os.getloadavg(), **info}  # fmt: skip


def phase_single_seeded(store: str, out: str) -> dict[str, Any]:
    """The single machine again with its k-means and sampling seeds shifted by one: how much
    the reference itself moves with a seed, the yardstick for the Ray run's differences."""
    import protocol_match.mining._knn as knn

    kmeans, graph = knn.kmeans_labels, knn.knn_graph_blocked

    def shifted_kmeans(vectors: Any, k: int, *, seed: int = 0, niter: int = 12) -> Any:
        return kmeans(vectors, k, seed=seed + 1, niter=niter)

    def shifted_graph(vectors: Any, k: int, **kw: Any) -> Any:
        return graph(vectors, k, **{**kw, "seed": kw.get("seed", 0) + 1})

    # the mining modules import these at call time, so the module attributes are what runs
    knn.kmeans_labels, knn.knn_graph_blocked = shifted_kmeans, shifted_graph
    return {**phase_single(store, out), "mode": "single-seed+1"}


def phase_ray(store: str, out: str, workers: int, partition: int) -> dict[str, Any]:
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # bind Ray to 127.0.0.1 only
    import ray

    from protocol_match.corpus import Corpus
    from protocol_match.distributed import RaySettings, mine_on_ray

    ray.init(num_cpus=workers, include_dashboard=False, _node_ip_address="127.0.0.1",
             log_to_driver=False)  # fmt: skip
    try:
        with Corpus.open(store) as corpus:
            settings = RaySettings(workers=workers, mine_partition=partition)
            sampler = MemorySampler()
            rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            anon0 = _status(str(os.getpid())).get("RssAnon", 0)
            load0 = os.getloadavg()
            sampler.start()
            t0 = time.perf_counter()
            res = mine_on_ray(corpus, settings)
            wall = time.perf_counter() - t0
            mem = sampler.stop()
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            info = _dump(corpus, Path(out), res.groups)
    finally:
        ray.shutdown()
    st = res.stats
    levels = [st[lv] for lv in ("sentence", "paragraph") if lv in st]
    serial = (
        st["duplicates"].get("load_s", 0)
        + res.seconds.get("save", 0)
        + sum(lv.get("read_s", 0) + lv.get("union_s", 0) + lv.get("merge_s", 0) for lv in levels)
    )
    return {"mode": "ray", "workers": workers, "partition_passages": partition,
            "wall_s": round(wall, 1), "seconds": {k: round(v, 1) for k, v in res.seconds.items()},
            "driver_serial_s": round(serial, 1),
            "passages": sum(lv["passages"] for lv in levels),
            "host_texts_max": max(_host_texts(lv.get("partition_texts", [1]), workers)
                                  for lv in levels),
            "driver_peak_rss_mb": round(peak), "driver_rss_before_mb": round(rss0),
            "driver_anon_before_mb": anon0, **mem,
            "stats": st, "load_before": load0, "load_after": os.getloadavg(), **info}  # fmt: skip


def _host_texts(sizes: list[int], workers: int) -> int:
    """Texts the busiest worker hosts (partition p on worker p % hosts)."""
    hosts = min(workers, len(sizes))
    return max(sum(sizes[p] for p in range(h, len(sizes), hosts)) for h in range(hosts))


def _child(fn: str, kwargs: dict, queue: Any) -> None:
    try:
        queue.put({"ok": globals()[fn](**kwargs)})
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        queue.put({"error": f"{type(exc).__name__}: {exc}"})


def run_phase(fn: str, **kwargs: Any) -> dict[str, Any]:
    """Run a phase in a fresh (spawned) process: its peak RSS is its own."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, kwargs, queue))
    proc.start()
    result = queue.get()
    proc.join()
    if "error" in result:
        raise RuntimeError(f"{fn} failed: {result['error']}")
    return result["ok"]


# ------------------------------------------------------------------ equality


def _pair_counts(ta: dict[int, int], tb: dict[int, int]) -> dict[str, float]:
    """Majority-mapped agreement (share of the reference's member passages whose template
    went, as most of its members did, to one template of the other run) and pair precision
    and recall (pairs of passages sharing a template, among passages members in both)."""
    cnt = Counter((ta[p], tb.get(p)) for p in ta)
    best: dict[int, int | None] = {}
    for (x, y), _ in cnt.most_common():
        best.setdefault(x, y)
    agree = sum(1 for p, x in ta.items() if best[x] is not None and tb.get(p) == best[x])
    both = set(ta) & set(tb)
    pairs = [Counter(ta[p] for p in both), Counter(tb[p] for p in both),
             Counter((ta[p], tb[p]) for p in both)]  # fmt: skip
    pa, pb, tp = (sum(math.comb(c, 2) for c in x.values()) for x in pairs)
    return {"majority_agreement": round(agree / max(1, len(ta)), 4),
            "pair_precision": round(tp / max(1, pb), 4),
            "pair_recall": round(tp / max(1, pa), 4)}  # fmt: skip


def compare(reference: Path, other: Path) -> dict[str, Any]:
    """How far the Ray run's templates, groups and gram counts are from the reference."""
    a, b = np.load(reference.with_suffix(".npz")), np.load(other.with_suffix(".npz"))
    ta = dict(zip(a["pids"].tolist(), a["keys"].tolist(), strict=True))
    tb = dict(zip(b["pids"].tolist(), b["keys"].tolist(), strict=True))
    union = set(ta) | set(tb)
    same = sum(ta.get(p) == tb.get(p) for p in union)
    grams_equal = all(
        np.array_equal(a[f"{lv}_{x}"], b[f"{lv}_{x}"])
        for lv in ("sentence", "paragraph") for x in ("n", "keys", "counts")
    )  # fmt: skip
    ga = json.loads(reference.with_suffix(".groups.json").read_text())
    gb = json.loads(other.with_suffix(".groups.json").read_text())
    return {
        "member_passages_reference": len(ta),
        "member_passages": len(tb),
        "same_template_share": round(same / max(1, len(union)), 4),
        "template_texts_reference": len(set(ta.values())),
        "template_texts": len(set(tb.values())),
        "same_template_texts": len(set(ta.values()) & set(tb.values())),
        "duplicate_groups_equal": ga == gb,
        "duplicate_groups": [len(ga), len(gb)],
        "gram_stats_equal": bool(grams_equal),
        **_pair_counts(ta, tb),
    }


# ------------------------------------------------------------------ the benchmark


def _key(run: dict[str, Any]) -> tuple:
    return (run["passages_target"], run["mode"], run.get("workers", 0))


def _level_texts(run: dict[str, Any]) -> int:
    """Distinct texts of the run's biggest level (what its workers host at once)."""
    levels = [run["stats"][lv] for lv in ("sentence", "paragraph") if lv in run.get("stats", {})]
    return max((sum(lv.get("partition_texts", [0])) for lv in levels), default=0)


def project(runs: list[dict[str, Any]], passages: int = 100_000_000) -> dict[str, Any]:
    """Mining ``passages`` on 16-core machines (a worker per core), from the measured Ray runs.

    Worker time: the worker-side seconds (wall minus the driver's serial stages, times the
    workers) per passage of the largest 1-worker run, divided over the workers. Driver time:
    its serial stages (reading SQLite, the union of components, merging giant candidates,
    saving) per passage, times ``passages``. Driver memory: its private memory (``RssAnon``)
    fitted as fixed + per passage through the two largest sizes (what it keeps: story heads,
    cross-partition edges, finished templates' keys; the object store pages it writes are
    transient and not counted). Worker memory: the workers' summed private memory per distinct
    text they host, times the distinct texts of the biggest level per worker.
    """
    ray_runs = sorted((r for r in runs if r["mode"] == "ray" and "failed" not in r),
                      key=lambda r: r["passages"])  # fmt: skip
    if not ray_runs:
        return {}
    top = ray_runs[-1]["passages"]
    one = [r for r in ray_runs if r["passages"] == top and r["workers"] == 1]
    base = one[0] if one else min((r for r in ray_runs if r["passages"] == top),
                                  key=lambda r: r["workers"])  # fmt: skip
    serial = base["driver_serial_s"]
    worker_s = max(0.0, base["wall_s"] - serial) * base["workers"]
    peaks: dict[int, int] = {}
    for r in ray_runs:
        peaks[r["passages"]] = max(peaks.get(r["passages"], 0), r["driver_peak_anon_mb"])
    sizes = sorted(peaks.items())
    if len(sizes) > 1:
        (n0, m0), (n1, m1) = sizes[-2], sizes[-1]
        per_mb = max(0.0, (m1 - m0) / (n1 - n0))
        fixed = m1 - per_mb * n1
    else:
        fixed, per_mb = 0.0, sizes[-1][1] / sizes[-1][0]
    texts = _level_texts(base)
    per_text = max(r["workers_peak_anon_mb_sum"] / max(1, _level_texts(r)) for r in ray_runs)
    # Worker seconds per passage grow with the store (more partitions: more guests, bigger
    # components); the trend through the two largest sizes, each run with its fewest workers.
    cost = {}
    for r in sorted(ray_runs, key=lambda r: -r["workers"]):
        cost[r["passages"]] = max(0.0, r["wall_s"] - r["driver_serial_s"]) * r["workers"]
    exponent = 0.0
    if len(cost) > 1:
        (n0, c0), (n1, c1) = sorted(cost.items())[-2:]
        exponent = max(0.0, math.log((c1 / n1) / (c0 / n0)) / math.log(n1 / n0))
    per_p = {"worker_s": worker_s / top, "driver_s": serial / top, "driver_mb": per_mb,
             "texts_per_passage": texts / top, "worker_mb_per_text": per_text}  # fmt: skip
    rows = []
    for machines in (1, 4, 16, 64):
        workers = 16 * machines
        w_h = per_p["worker_s"] * passages / workers / 3600
        w_trend = w_h * (passages / top) ** exponent
        d_h = per_p["driver_s"] * passages / 3600
        worker_gb = per_text * per_p["texts_per_passage"] * passages / workers / 1024
        rows.append({"passages": passages, "machines": machines, "workers": workers,
                     "worker_hours": round(w_h, 2), "driver_hours": round(d_h, 2),
                     "wall_hours": round(w_h + d_h, 2),
                     "worker_hours_trend": round(w_trend, 2),
                     "wall_hours_trend": round(w_trend + d_h, 2),
                     "worker_gb": round(worker_gb, 1), "machine_gb": round(16 * worker_gb),
                     "bound_by": "driver" if d_h > w_trend else "workers"})  # fmt: skip
    return {"basis": f"{top} passages, {base['workers']} worker(s); driver memory through "
                     f"{[n for n, _ in sizes[-2:]]} passages",
            "per_passage": per_p, "driver_fixed_mb": round(fixed),
            "worker_cost_exponent": round(exponent, 3),
            "driver_gb": round((fixed + per_mb * passages) / 1024, 1),
            "rows": rows}  # fmt: skip


def main_mine(args: Any, out: Path) -> int:
    """``scale.py --mine``: every store size, the reference where asked, each worker count;
    results merged into ``out`` after every run (a long session can be resumed)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import machine_info, write_json

    doc = json.loads(out.read_text()) if out.is_file() else {}
    runs = {_key(r): r for r in doc.get("runs", [])}
    noise: dict[str, Any] = doc.get("single_seed_noise", {})
    agree: dict[str, Any] = doc.get("ray_worker_counts_agree", {})
    args.work.mkdir(parents=True, exist_ok=True)
    for n in args.passages:
        store = args.work / f"store-{n}"
        built = run_phase("build_store", path=store, passages=n)
        ref = args.work / f"mine-{n}-single"
        if n in args.reference:
            if not ref.with_suffix(".npz").is_file() or not args.reuse_reference:
                r = run_phase("phase_single", store=str(store), out=str(ref))
                runs[_key({**r, "passages_target": n})] = {**r, "passages_target": n, **built}
                _save(out, runs, machine_info, write_json, noise, agree)
            if args.seed_noise:
                seeded = args.work / f"mine-{n}-single-seed1"
                if not seeded.with_suffix(".npz").is_file():
                    run_phase("phase_single_seeded", store=str(store), out=str(seeded))
                noise[str(n)] = compare(ref, seeded)
                _save(out, runs, machine_info, write_json, noise, agree)
        for w in args.workers:
            dest = args.work / f"mine-{n}-ray{w}"
            try:
                r = run_phase("phase_ray", store=str(store), out=str(dest), workers=w,
                              partition=args.partition)  # fmt: skip
            except RuntimeError as exc:  # e.g. a worker killed for memory: a result too
                r = {"mode": "ray", "workers": w, "failed": str(exc)}
                runs[_key({**r, "passages_target": n})] = {**r, "passages_target": n, **built}
                _save(out, runs, machine_info, write_json, noise, agree)
                print(json.dumps(r), flush=True)
                continue
            if ref.with_suffix(".npz").is_file():
                r["equality"] = compare(ref, dest)
            runs[_key({**r, "passages_target": n})] = {**r, "passages_target": n, **built}
            _save(out, runs, machine_info, write_json, noise, agree)
            print(json.dumps({k: v for k, v in r.items() if k != "stats"}), flush=True)
        # Ray results must not depend on how many workers host the partitions.
        dumps = sorted(args.work.glob(f"mine-{n}-ray*.npz"))
        if len(dumps) > 1:
            agree[str(n)] = {d.stem: compare(dumps[0].with_suffix(""), d.with_suffix(""))
                             for d in dumps[1:]}  # fmt: skip
            agree[str(n)]["reference"] = dumps[0].stem
            _save(out, runs, machine_info, write_json, noise, agree)
    return 0


def _save(
    out: Path, runs: dict, machine_info: Any, write_json: Any, noise: dict, agree: dict
) -> None:
    ordered = sorted(runs.values(), key=_key)
    write_json(out, {"machine": machine_info(), "runs": ordered, "projection": project(ordered),
                     "single_seed_noise": noise, "ray_worker_counts_agree": agree})  # fmt: skip
