"""``python -m protocol_match.synth``: generate a labeled corpus into a folder."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ._corpus import generate_corpus, write_corpus
from ._language import NOISE_LEVELS


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: ``python -m protocol_match.synth --n 200 --seed 1 --noise high --out DIR``."""
    ap = argparse.ArgumentParser(
        prog="python -m protocol_match.synth",
        description="Generate a labeled synthetic corpus of defence-ministry news.",
    )
    ap.add_argument("--n", type=int, default=200, help="number of articles (default 200)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--noise", choices=sorted(NOISE_LEVELS), default="default")
    ap.add_argument("--copy-rate", type=float, default=0.25, help="share of syndicated stories")
    ap.add_argument("--novel-rate", type=float, default=0.45, help="share of novel paragraphs")
    ap.add_argument(
        "--hard-duplicates",
        type=float,
        default=0.0,
        help="append this share of hard duplicate cases (retellings, twin events)",
    )
    ap.add_argument("--out", type=Path, required=True, help="output directory")
    args = ap.parse_args(argv)
    try:
        corpus = generate_corpus(
            args.n,
            seed=args.seed,
            noise=args.noise,
            copy_rate=args.copy_rate,
            novel_rate=args.novel_rate,
            hard_duplicates=args.hard_duplicates,
        )
    except ValueError as exc:
        ap.error(str(exc))
    write_corpus(corpus, args.out)
    stories = len(set(corpus.story_of.values()))
    sys.stdout.write(
        f"wrote {len(corpus.articles)} articles ({stories} stories, "
        f"{len(corpus.labels)} labeled sentences) to {args.out}\n"
    )
    return 0
