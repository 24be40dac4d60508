"""Embedding benchmark: bulk-indexing throughput and faithfulness of the fast embedders.

On the same paragraphs, side by side in one process:

* ``plain``     sentence-transformers ``SentenceTransformer.encode`` with default settings
                (batch 32) of the base model: the reference, ratio 1.0;
* ``project``   the project's ``SentenceTransformerEmbedder`` (length-sorted batches);
* ``onnx-int8`` ``OnnxEmbedder``: ONNX export, dynamic per-channel int8, onnxruntime (CPU);
* ``static``    ``StaticEmbedder``: model2vec distilled from the base model (numpy), with its
                thread pool, and ``static-1t`` without it.

For each: paragraphs/s, ratio to plain, mean/min cosine to plain fp32 (not for ``static``,
whose vectors live in another space), and the ROC-AUC of cosine on near-duplicate sentence
pairs (same formula with other names/edits = positive; another sentence on the same topic
= negative), next to word-3-shingle Jaccard as a lexical baseline. Build times of the cached
fast models are reported separately (cold = built in this run).

Texts come from ``protocol_match.synth.generate_corpus`` when it is importable, else from
paragraphs recombined from ``seeds/*.txt`` with names swapped.

    python benchmarks/embedding.py --quick
    python benchmarks/embedding.py --n 2000 --out benchmarks/results/embedding.json
    python benchmarks/embedding.py --device cuda
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
from _common import machine_info, write_json

from protocol_match.embed import (
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    StaticEmbedder,
    bundled_model_path,
    cache_root,
)

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 10.0


# ---------------------------------------------------------------- texts


def corpus_texts(
    n: int, n_pairs: int, seed: int
) -> tuple[list[str], list[tuple[str, str, int]], str]:
    """``n`` paragraphs and ``n_pairs`` labeled sentence pairs, plus where they came from."""
    try:
        from protocol_match.synth import generate_corpus

        return (*_synth_texts(generate_corpus, n, n_pairs, seed), "synth.generate_corpus")
    except Exception as exc:  # the generator is optional here: fall back to the seeds
        print(f"(synthetic corpus unavailable: {exc!r}; using recombined seed paragraphs)")
        return (*_seed_texts(n, n_pairs, seed), "seeds")


def _synth_texts(generate: Callable[..., Any], n: int, n_pairs: int, seed: int):  # noqa: ANN202
    paragraphs: list[str] = []
    n_articles = max(20, n // 4)
    while True:
        corpus = generate(n_articles, seed=seed)
        paragraphs = [
            p.strip() for a in corpus.articles for p in a.text.split("\n") if len(p.split()) >= 20
        ]
        if len(paragraphs) >= n or n_articles > 50 * n:
            break
        n_articles *= 2
    rng = random.Random(seed)
    by_family: dict[str, list[str]] = {}
    by_article: dict[str, list[tuple[str | None, str]]] = {}
    texts_of = {a.id: a.text for a in corpus.articles}
    for lab in corpus.labels:
        text = texts_of[lab.article_id][lab.start : lab.end].strip()
        if len(text.split()) < 5:
            continue
        if lab.family is not None and lab.kind == "formula":
            by_family.setdefault(lab.family, []).append(text)
        by_article.setdefault(lab.article_id, []).append((lab.family, text))
    families = [f for f, v in by_family.items() if len(set(v)) >= 2]
    articles = [a for a, v in by_article.items() if len({f for f, _ in v}) >= 2]
    pairs: list[tuple[str, str, int]] = []
    for _ in range(n_pairs // 2):
        fam = rng.choice(families)
        a, b = rng.sample(sorted(set(by_family[fam])), 2)
        pairs.append((a, b, 1))
        # Negative: two sentences of one article (same topic, same names), not one family.
        sents = by_article[rng.choice(articles)]
        (fa, ta), (fb, tb) = rng.sample(sents, 2)
        while fa == fb and fa is not None:
            (fa, ta), (fb, tb) = rng.sample(sents, 2)
        pairs.append((ta, tb, 0))
    return paragraphs[:n], pairs


_NAMES = [
    "Zakir Hasanov",
    "Ziya Cemal Kadıoğlu",
    "Kerim Valiyev",
    "Hikmat Mirzayev",
    "Yaşar Güler",
    "Mahmud Aliyev",
    "Elnur Rzayev",
    "Selim Bayraktar",
    "Anar Karimov",
    "Orhan Demir",
]
_COUNTRIES = ["Türkiye", "Georgia", "Pakistan", "Kazakhstan", "Italy", "Uzbekistan", "Hungary"]
# Formula families, each in two wordings: a pair of one family (other names, an edit, maybe the
# other wording) is a positive; two families filled with the same names are a hard negative.
_TEMPLATES = [
    (
        "The Minister of Defense of the Republic of Azerbaijan, Colonel General {a} received a "
        "delegation led by {b}, who is on a visit to Azerbaijan, Trend reports via the Defense "
        "Ministry.",
        "Azerbaijan's Defense Minister {a} met with a delegation headed by {b}, which is visiting "
        "the country, the ministry told Trend.",
    ),
    (
        "During the meeting, {a} welcomed the guests and expressed his satisfaction with seeing "
        "them in Azerbaijan.",
        "{a} greeted the visitors at the meeting and said he was pleased to see them in "
        "Azerbaijan.",
    ),
    (
        "{a} expressed gratitude for the sincere hospitality and noted the high level of military "
        "cooperation between Azerbaijan and {c}.",
        "Thanking the hosts for the warm welcome, {a} praised the high level of military ties "
        "between Azerbaijan and {c}.",
    ),
    (
        "The sides discussed the current state and prospects for the development of cooperation "
        "in the military, military-technical and military-educational fields with {c}.",
        "The current state and future prospects of military, military-technical and "
        "military-educational cooperation with {c} were discussed.",
    ),
    (
        "The minister informed {b} about the current operational situation on the conditional "
        "border.",
        "{b} was briefed by the minister on the operational situation along the conditional "
        "border.",
    ),
    (
        "The guests laid wreaths and flowers at the grave of the National Leader and honored his "
        "blessed memory, accompanied by {a}.",
        "Accompanied by {a}, the guests visited the grave of the National Leader and laid "
        "wreaths and flowers there.",
    ),
    (
        "{b} emphasized the importance of further development of strategic ties between the two "
        "countries and thanked {a}.",
        "{b} thanked {a} and stressed that the strategic ties between the two countries must be "
        "developed further.",
    ),
    (
        "A meeting with the delegation of {c} led by {b} was held at the Ministry of Defense.",
        "The Ministry of Defense hosted a meeting with the {c} delegation headed by {b}.",
    ),
    (
        "The meeting also touched upon regional security issues and other topics of mutual "
        "interest for Azerbaijan and {c}.",
        "Regional security and other issues of mutual interest for Azerbaijan and {c} were also "
        "on the agenda of the meeting.",
    ),
    (
        "{a} noted that joint exercises with {c} contribute to increasing the combat readiness of "
        "the troops.",
        "According to {a}, joint drills with {c} help raise the combat readiness of the troops.",
    ),
]
_EDITS = [
    ("Defense", "Defence"),
    ("the ", ""),
    ("cooperation", "collaboration"),
    ("Colonel General ", ""),
    ("expressed", "voiced"),
    ("current", "present"),
]


def _fill(rng: random.Random, template: str) -> str:
    a, b = rng.sample(_NAMES, 2)
    return template.format(a=a, b=b, c=rng.choice(_COUNTRIES))


def _seed_texts(n: int, n_pairs: int, seed: int) -> tuple[list[str], list[tuple[str, str, int]]]:
    rng = random.Random(seed)
    sentences: list[str] = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        for para in path.read_text(encoding="utf-8").split("\n"):
            sentences += [s for s in re.split(r"(?<=[.!?])\s+", para.strip()) if len(s) > 20]
    paragraphs: list[str] = []
    while len(paragraphs) < n:  # ~60-word paragraphs: 3 consecutive seed sentences, names swapped
        i = rng.randrange(len(sentences) - 2)
        text = " ".join(sentences[i : i + 3])
        for name in ("Zakir Hasanov", "Ziya Cemal Kadıoğlu", "Azerbaijan", "Türkiye"):
            text = text.replace(name, rng.choice(_NAMES if " " in name else _COUNTRIES))
        paragraphs.append(f"{text} ({len(paragraphs)})")
    pairs: list[tuple[str, str, int]] = []
    for _ in range(n_pairs // 2):
        f1, f2 = rng.sample(_TEMPLATES, 2)
        old, new = rng.choice(_EDITS)
        edited = _fill(rng, rng.choice(f1)).replace(old, new, 1)  # a third are paraphrases
        pairs.append((_fill(rng, f1[0]), edited, 1))
        a, b = rng.sample(_NAMES, 2)  # same names, same topic, another formula
        c = rng.choice(_COUNTRIES)
        pairs.append(
            (rng.choice(f1).format(a=a, b=b, c=c), rng.choice(f2).format(a=a, b=b, c=c), 0)
        )
    return paragraphs, pairs


# ---------------------------------------------------------------- metrics


def shingle_jaccard(a: str, b: str, k: int = 3) -> float:
    """Jaccard similarity of word-k-shingle sets (lowercased words)."""

    def grams(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", text.lower())
        return {tuple(words[i : i + k]) for i in range(max(1, len(words) - k + 1))}

    ga, gb = grams(a), grams(b)
    return len(ga & gb) / max(1, len(ga | gb))


def pair_auc(
    encode: Callable[[list[str]], np.ndarray], pairs: Sequence[tuple[str, str, int]]
) -> float:
    """ROC-AUC of the cosine between pair members for telling positives from negatives."""
    from sklearn.metrics import roc_auc_score

    va = _unit(encode([a for a, _, _ in pairs]))
    vb = _unit(encode([b for _, b, _ in pairs]))
    return float(roc_auc_score([y for _, _, y in pairs], (va * vb).sum(1)))


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def throughput(encode: Callable[[list[str]], np.ndarray], texts: list[str], min_s: float):
    """Encode ``texts`` repeatedly for at least ``min_s`` (at most 15 runs).

    Returns the median wall-clock texts/s, the median texts per CPU-second of this process
    (robust when other processes share the cores; GPU time is not counted), the last vectors
    and the number of runs.
    """
    encode(texts[:16])  # warm-up: lazy loads, thread pools, first-call allocations
    rates, cpu_rates, vecs, spent = [], [], None, 0.0
    while not rates or (spent < min_s and len(rates) < 15):
        t0, c0 = time.perf_counter(), time.process_time()
        vecs = encode(texts)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        spent += dt
        rates.append(len(texts) / dt)
        cpu_rates.append(len(texts) / max(cpu, 1e-9))
    return float(np.median(rates)), float(np.median(cpu_rates)), vecs, len(rates)


# ---------------------------------------------------------------- main


def _pkg(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Measure every method; return the result document."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda: torch sees no CUDA device")
    texts, pairs, source = corpus_texts(args.n, args.pairs, args.seed)
    words = float(np.mean([len(t.split()) for t in texts]))
    print(f"{len(texts)} paragraphs (~{words:.0f} words) and {len(pairs)} pairs from {source}")
    model_path = str(bundled_model_path())
    cache = Path(args.cache_dir) if args.cache_dir else cache_root()

    t0 = time.perf_counter()
    plain = SentenceTransformer(model_path, device=args.device)
    loads = {"plain": time.perf_counter() - t0}
    project = SentenceTransformerEmbedder(device=args.device)
    onnx = OnnxEmbedder(cache_dir=cache)
    static = StaticEmbedder(cache_dir=cache)
    static_1t = StaticEmbedder(cache_dir=cache, use_multiprocessing=False)
    for name, emb in (("onnx-int8", onnx), ("static", static)):
        cold = not emb.is_built()
        t0 = time.perf_counter()
        emb.build()
        loads[name] = time.perf_counter() - t0
        loads[name + "_cold"] = cold

    methods: dict[str, tuple[Callable[[list[str]], np.ndarray], str, bool]] = {
        "plain": (lambda t: plain.encode(t), args.device, True),
        "project": (project.encode, args.device, True),
        "onnx-int8": (onnx.encode, "cpu", True),
        "static": (static.encode, "cpu", False),
        "static-1t": (static_1t.encode, "cpu", False),
    }
    rows: list[dict[str, Any]] = []
    ref: np.ndarray | None = None
    for name, (encode, device, same_space) in methods.items():
        min_s = 0.0 if name in ("plain", "project") else args.min_seconds
        rate, cpu_rate, vecs, runs = throughput(encode, texts, min_s)
        vecs = _unit(vecs)
        row: dict[str, Any] = {"method": name, "device": device, "paragraphs_per_s": rate}
        row["paragraphs_per_cpu_s"], row["runs"] = cpu_rate, runs
        if ref is None:
            ref = vecs
        row["ratio_to_plain"] = rate / rows[0]["paragraphs_per_s"] if rows else 1.0
        row["cpu_ratio_to_plain"] = cpu_rate / rows[0]["paragraphs_per_cpu_s"] if rows else 1.0
        if same_space:
            cos = (vecs * ref).sum(1)
            row["cos_mean"], row["cos_min"] = float(cos.mean()), float(cos.min())
        if name != "project" and name != "static-1t":  # same model as plain / static
            row["pair_auc"] = pair_auc(encode, pairs)
        rows.append(row)
        print(f"  {name:10s} {rate:10.1f} paragraphs/s")
    lexical_auc = _lexical_auc(pairs)
    return {
        "benchmark": "embedding",
        "argv": sys.argv[1:],
        "texts": {"n": len(texts), "mean_words": words, "source": source, "pairs": len(pairs)},
        "base_model": model_path,
        "device": args.device,
        "cuda_device": torch.cuda.get_device_name(0) if args.device == "cuda" else None,
        "load_s": loads,
        "results": rows,
        "pair_auc_shingle_jaccard": lexical_auc,
        "target_ratio": TARGET_RATIO,
        # Other processes on the same cores slow the torch rows most: keep the load on record.
        "loadavg_1_5_15_at_end": list(os.getloadavg()),
        "machine": machine_info()
        | {
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "sentence_transformers": _pkg("sentence-transformers"),
            "onnxruntime": _pkg("onnxruntime"),
            "model2vec": _pkg("model2vec"),
        },
    }


def _lexical_auc(pairs: Sequence[tuple[str, str, int]]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(
        roc_auc_score([y for *_, y in pairs], [shingle_jaccard(a, b) for a, b, _ in pairs])
    )


def print_table(doc: dict[str, Any]) -> None:
    """The results as a fixed-width table, then the verdict on the 10x target."""
    head = f"{'method':10s} {'device':6s} {'para/s':>10s} {'x plain':>8s} {'cos mean':>9s} "
    print("\n" + head + f"{'cos min':>8s} {'pair AUC':>9s} {'para/cpu-s':>11s} {'x (cpu)':>8s}")
    for r in doc["results"]:
        cos_mean = f"{r['cos_mean']:.4f}" if "cos_mean" in r else "n/a"
        cos_min = f"{r['cos_min']:.4f}" if "cos_min" in r else "n/a"
        auc = f"{r['pair_auc']:.3f}" if "pair_auc" in r else "-"
        print(
            f"{r['method']:10s} {r['device']:6s} {r['paragraphs_per_s']:10.1f} "
            f"{r['ratio_to_plain']:8.1f} {cos_mean:>9s} {cos_min:>8s} {auc:>9s} "
            f"{r['paragraphs_per_cpu_s']:11.1f} {r['cpu_ratio_to_plain']:8.1f}"
        )
    print(f"word-3-shingle Jaccard pair AUC: {doc['pair_auc_shingle_jaccard']:.3f}")
    loads = doc["load_s"]
    print(
        f"load/build s: plain {loads['plain']:.1f}, onnx-int8 {loads['onnx-int8']:.1f}"
        f"{' (built now)' if loads['onnx-int8_cold'] else ' (cached)'}, static "
        f"{loads['static']:.1f}{' (built now)' if loads['static_cold'] else ' (cached)'}"
    )
    best = max(doc["results"][1:], key=lambda r: r["ratio_to_plain"])
    verdict = "MET" if best["ratio_to_plain"] >= TARGET_RATIO else "NOT MET"
    print(
        f"target {TARGET_RATIO:.0f}x plain: {verdict} by {best['method']} "
        f"({best['ratio_to_plain']:.1f}x)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="paragraphs to embed (default 2000)")
    parser.add_argument("--pairs", type=int, default=1000, help="labeled pairs for the AUC")
    parser.add_argument(
        "--device",
        choices=("cpu", "cuda"),
        default="cpu",
        help="device of the torch models (onnx-int8 and static run on CPU)",
    )
    parser.add_argument("--quick", action="store_true", help="small run, under a minute")
    parser.add_argument(
        "--min-seconds",
        type=float,
        default=2.0,
        help="repeat the fast methods for at least this long (median rate)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", help="where fast models are built (default: the cache)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/embedding.json"))
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.pairs, args.min_seconds = min(args.n, 300), min(args.pairs, 200), 0.5
    if args.n < 16 or args.pairs < 4:
        parser.error("--n must be at least 16 and --pairs at least 4")
    doc = run(args)
    print_table(doc)
    write_json(args.out, doc)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
