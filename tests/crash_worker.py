"""Index a folder into a store in tiny batches; the reliability tests kill it at random.

Usage: python tests/crash_worker.py STORE INPUT [--delay SECONDS] [--batch N] [--no-mine]

Prints one line per committed batch ("batch K") so a test can tell how far it got.
The store must already hold the vectors of every input text (the model is never loaded:
``--forbid-model`` makes loading it an error, to prove that).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("input")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--no-mine", action="store_true")
    args = parser.parse_args()

    from protocol_match.corpus import Corpus
    from protocol_match.corpus import _corpus as corpus_mod

    def forbidden(*_a: object, **_k: object) -> None:
        raise SystemExit("crash_worker: the model must not be needed (vectors are cached)")

    corpus_mod.load_embedder = forbidden  # every text's vector is already in the store
    done = 0

    def progress(_stage: str, _n: int, _total: int) -> None:
        nonlocal done
        done += 1
        print(f"batch {done}", flush=True)
        if args.delay:
            time.sleep(args.delay)

    with Corpus.open(args.store) as corpus:
        result = corpus.add([args.input], batch_size=args.batch, progress=progress)
        print(f"added {result.added} embedded {result.embedded}", flush=True)
        if not args.no_mine:
            corpus.templates()
            print("mined", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
