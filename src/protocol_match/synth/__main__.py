"""``python -m protocol_match.synth --n 200 --seed 1 --out DIR``."""

from ._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
