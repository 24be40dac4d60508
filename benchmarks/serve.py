"""``serve`` and ``watch`` against a 100k-passage store: page and compare latency with
concurrent clients, and how soon ``watch`` reports an article dropped in its folder.

The store is generated (``protocol_match.synth``, seed 1, ~3,800 articles, ~100k passages)
and indexed with the static backend, then mined; ``--reuse`` keeps it in ``--work``. The
app runs as ``protocol-match serve`` in its own process (2 store workers, no background
fill) and the clients are threads of this process using keep-alive HTTP connections:

- first requests: one of each kind, 10 s after the server started (it loads the indexes and
  the templates in the background meanwhile);
- pages: 8 clients, each looping over the article list (plain, filtered, searched), the
  templates page, a template's page and a stored article's compare view;
- compare: new 10-paragraph articles (another seed, never in the store) POSTed to
  ``/api/compare`` by 1, 2 and 8 concurrent clients;
- watch: ``protocol-match watch`` on a copy of the store; articles are written to its
  folder one at a time (temporary name, then rename) and the time to their ``article``
  event on stdout is taken.

    python benchmarks/serve.py --work /tmp/pm-serve [--reuse] [--quick]

Results: ``benchmarks/results/serve.json``. The machine is 2 shared cores and the load
generator shares them with the server: the load average is recorded before and after.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import machine_info, write_json

ROOT = Path(__file__).resolve().parent.parent
PASSAGES = 100_000
PASSAGES_PER_ARTICLE = 26.3
WARM_S = 10.0  # first requests are made this long after the server started
BODIES: dict[int, str] = {}  # the body of a failed request, by connection
TARGETS = {"pages_p50_ms": 100.0, "compare_p50_ms": 300.0, "watch_s": 1.0}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def build_store(store: Path, reuse: bool) -> dict[str, Any]:
    from protocol_match.corpus import Corpus
    from protocol_match.synth import generate_corpus

    if reuse and (store / "store.sqlite").exists():
        from protocol_match.store import Store

        with Store.open(store) as s:
            passages = s.count("paragraph") + s.count("sentence")
            return {"reused": True, "articles": s.count("article"), "passages": passages}
    shutil.rmtree(store, ignore_errors=True)
    n = math.ceil(PASSAGES / PASSAGES_PER_ARTICLE)
    t0 = time.perf_counter()
    corpus = Corpus.open(store, create=True, backend="static")
    added = corpus.add(list(generate_corpus(n, seed=1).articles))
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    corpus.templates(refresh=True)
    mine_s = time.perf_counter() - t0
    corpus.close()
    return {"articles": added.added, "passages": added.passages, "build_s": round(build_s, 1),
            "mine_s": round(mine_s, 1)}  # fmt: skip


def query_texts(n: int) -> list[str]:
    """Texts of ``n`` 10-paragraph articles from another seed than the store's."""
    from endtoend import query_articles

    return [a.text for a in query_articles(n)]


class Server:
    """``protocol-match serve`` in a child process."""

    def __init__(self, store: Path) -> None:
        cmd = [sys.executable, "-m", "protocol_match", "serve", "--store", str(store),
               "--port", "0", "--no-backfill", "--workers", "2"]  # fmt: skip
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        assert self.proc.stderr is not None
        self.port, self.token = 0, ""
        while not (self.port and self.token):
            line = self.proc.stderr.readline()
            if not line:
                raise RuntimeError("serve exited")
            if m := re.search(r"http://127\.0\.0\.1:(\d+)/", line):
                self.port = int(m.group(1))
            if m := re.search(r"X-PM-Token: (\S+)", line):
                self.token = m.group(1)
        self.log: list[str] = []  # drained, so the server never blocks on a full pipe
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line)

    def cpu_s(self) -> float:
        """CPU seconds used so far by the server and its compute processes (Linux /proc)."""
        tick = os.sysconf("SC_CLK_TCK")
        pids, total, seen = [self.proc.pid], 0.0, set()
        while pids:
            pid = pids.pop()
            if pid in seen:
                continue
            seen.add(pid)
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
                for task in Path(f"/proc/{pid}/task").iterdir():
                    kids = (task / "children").read_text().split()
                    pids.extend(int(k) for k in kids)
            except (OSError, ValueError, IndexError):
                continue
        return total

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def request(conn: http.client.HTTPConnection, method: str, path: str, body: Any = None,
            token: str = "") -> tuple[int, float]:  # fmt: skip
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "X-PM-Token": token}
    t0 = time.perf_counter()
    conn.request(method, path, body=data, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        BODIES[id(conn)] = data.decode("utf-8", "replace")
    return resp.status, (time.perf_counter() - t0) * 1000


def run_clients(port: int, clients: int, jobs: list[list[tuple]], token: str) -> dict[str, list]:
    """Each client runs its list of (label, method, path, body); latencies by label."""
    out: dict[str, list[float]] = {}
    lock = threading.Lock()
    errors: list[str] = []

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for label, method, path, body in jobs[i]:
            status, ms = request(conn, method, path, body, token)
            if status != 200:
                errors.append(f"{label} {path}: {status} {BODIES.get(id(conn), '')[:300]}")
            with lock:
                out.setdefault(label, []).append(ms)
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, first: {errors[0]}")
    return out


def stats(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {"n": len(ms), "p50_ms": round(float(np.percentile(a, 50)), 1),
            "p90_ms": round(float(np.percentile(a, 90)), 1),
            "p99_ms": round(float(np.percentile(a, 99)), 1)}  # fmt: skip


def bench_serve(store: Path, rounds: int, compares: int) -> dict[str, Any]:
    from protocol_match.store import Store

    with Store.open(store) as s:
        ids = [r[1] for r in s.article_table()[-40:]]
        sources = [x for x, _ in s.article_sources()[:4]]
        tids = [int(t["id"]) for t in s.load_templates()[:10]]
    server = Server(store)
    try:
        time.sleep(WARM_S)  # the app loads indexes and templates in the background meanwhile
        warm = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
        first = {}
        for label, path in (("list", "/"), ("templates", "/templates"),
                            ("template", f"/templates/{tids[0]}"),
                            ("article", f"/articles/{ids[0]}")):  # fmt: skip
            first[label] = round(request(warm, "GET", path)[1], 1)
        texts = query_texts(compares * 8 + 8)
        first["compare"] = round(request(warm, "POST", "/api/compare", {"text": texts[-1]},
                                         server.token)[1], 1)  # fmt: skip
        warm.close()
        pages = []
        for i in range(8):
            jobs = []
            for r in range(rounds):
                k = i * rounds + r
                jobs += [
                    ("list", "GET", "/", None),
                    ("list_filtered", "GET", f"/?source={sources[k % len(sources)]}"
                     "&date_from=2020-01-01&novelty_max=1", None),
                    ("list_search", "GET", "/?q=wreaths+Alley", None),
                    ("templates", "GET", "/templates", None),
                    ("template", "GET", f"/templates/{tids[k % len(tids)]}", None),
                    ("article", "GET", f"/articles/{ids[k % len(ids)]}", None),
                ]  # fmt: skip
            pages.append(jobs)
        load0, cpu0 = _load(), server.cpu_s()
        t0 = time.perf_counter()
        lat = run_clients(server.port, 8, pages, server.token)
        pages_s = time.perf_counter() - t0
        out = {"first_ms": first, "pages_clients": 8, "pages_wall_s": round(pages_s, 1),
               "pages_server_cpu_s": round(server.cpu_s() - cpu0, 1),
               "pages": {k: stats(v) for k, v in lat.items()},
               "pages_load": [load0, _load()]}  # fmt: skip
        out["compare"] = {}
        used = 0
        for clients in (1, 2, 8):
            jobs = []
            for _ in range(clients):
                jobs.append([("compare", "POST", "/api/compare", {"text": t})
                             for t in texts[used : used + compares]])  # fmt: skip
                used += compares
            load0, cpu0 = _load(), server.cpu_s()
            lat = run_clients(server.port, clients, jobs, server.token)
            cpu_ms = 1000 * (server.cpu_s() - cpu0) / len(lat["compare"])
            out["compare"][str(clients)] = {
                **stats(lat["compare"]),
                "load": [load0, _load()],
                "server_cpu_ms_per_compare": round(cpu_ms, 1),
            }
        return out
    except RuntimeError:
        sys.stderr.write("".join(server.log[-40:]))
        raise
    finally:
        server.close()


def bench_watch(store: Path, work: Path, n: int) -> dict[str, Any]:
    """Latency from an article's rename into the folder to its event on stdout."""
    copy = work / "store-watch"
    inbox = work / "inbox"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.rmtree(inbox, ignore_errors=True)
    shutil.copytree(store, copy)
    inbox.mkdir()
    texts = query_texts(n + 1)
    cmd = [sys.executable, "-m", "protocol_match", "watch", str(inbox), "--store", str(copy),
           "--mine-every", "0"]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    try:
        while "Watching" not in proc.stderr.readline():
            pass
        lat = []
        for i, text in enumerate(texts):
            tmp, final = inbox / f".{i:03d}.tmp", inbox / f"{i:03d}.txt"
            tmp.write_text(text, encoding="utf-8")
            t0 = time.perf_counter()
            os.replace(tmp, final)
            while True:
                event = json.loads(proc.stdout.readline())
                if event["event"] == "article":
                    break
            lat.append(time.perf_counter() - t0)
            time.sleep(0.3)
        first, rest = lat[0], np.asarray(lat[1:])
        return {"articles": n, "first_s": round(first, 3),
                "p50_s": round(float(np.percentile(rest, 50)), 3),
                "max_s": round(float(rest.max()), 3)}  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(30)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/pm-serve-bench"))
    ap.add_argument("--reuse", action="store_true", help="reuse the store in --work")
    ap.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "serve.json")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    store = args.work / "store-100k"
    result: dict[str, Any] = {"machine": machine_info(), "targets": TARGETS, "load_start": _load()}
    result["store"] = build_store(store, args.reuse)
    result["serve"] = bench_serve(store, 2 if args.quick else 6, 3 if args.quick else 8)
    result["watch"] = bench_watch(store, args.work, 5 if args.quick else 20)
    result["load_end"] = _load()
    pages = result["serve"]["pages"]
    result["met"] = {
        "pages_p50": all(pages[k]["p50_ms"] <= TARGETS["pages_p50_ms"]
                         for k in ("list", "templates", "template")),
        "compare_p50_8_clients": result["serve"]["compare"]["8"]["p50_ms"]
        <= TARGETS["compare_p50_ms"],
        "watch_1s": result["watch"]["max_s"] <= TARGETS["watch_s"],
    }  # fmt: skip
    write_json(args.out, result)
    print(json.dumps({k: result[k] for k in ("serve", "watch", "met")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
