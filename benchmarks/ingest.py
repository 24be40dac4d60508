"""Reading many small files: time and peak memory of ``read_articles`` over a folder tree.

Articles are streamed (only the sorted file list is held), so peak memory grows with the
number of file names, not with the articles. The test suite checks the streaming itself on
a small tree (``tests/test_bad_input.py``); this script checks the scale.

Usage: ``python benchmarks/ingest.py [--files 100000] [--out FILE]``
Writes JSON (default ``benchmarks/results/ingest.json``) and prints the figures.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_info, write_json  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
PER_FOLDER = 1000

# Run in a fresh interpreter so the peak RSS is reading's own, not this script's.
_READ = textwrap.dedent(
    """
    import resource, sys, time
    from protocol_match.ingest import read_articles
    t = time.perf_counter()
    n = sum(1 for _ in read_articles([sys.argv[1]]))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(n, round(time.perf_counter() - t, 2), round(rss), sep="\\t")
    """
)


def make_tree(root: Path, files: int) -> None:
    """``files`` one-line articles, ``PER_FOLDER`` per outlet folder."""
    for start in range(0, files, PER_FOLDER):
        sub = root / f"outlet{start // PER_FOLDER:03d}"
        sub.mkdir(parents=True)
        for i in range(start, min(files, start + PER_FOLDER)):
            (sub / f"{i:06d}.txt").write_text(f"Article {i}: the ministry said so.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=RESULTS / "ingest.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "many"
        make_tree(root, args.files)
        done = subprocess.run(
            [sys.executable, "-c", _READ, str(root)], capture_output=True, text=True, check=True
        )
    n, took, rss = done.stdout.strip().split("\t")
    result = {
        "files": args.files,
        "articles_read": int(n),
        "seconds": float(took),
        "files_per_s": round(int(n) / max(float(took), 1e-9)),
        "peak_rss_mb": float(rss),
        "machine": machine_info(),
    }
    write_json(args.out, result)
    print(f"{int(n):,} files read in {float(took):.1f}s, peak RSS {float(rss):.0f} MB")


if __name__ == "__main__":
    main()
