"""A tiny deterministic stand-in embedder for unit tests of array logic (no model)."""

from __future__ import annotations

import hashlib

import numpy as np

from protocol_match.scoring import stem, tokens


def hashed_embed(texts: list[str], dim: int) -> np.ndarray:
    """Hashed bag-of-stems vectors, L2-normalized (a text without words stays zero)."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for row, text in enumerate(texts):
        for _, _, word in tokens(text):
            h = int.from_bytes(hashlib.blake2b(stem(word).encode(), digest_size=4).digest())
            out[row, h % dim] += 1.0
        out[row] /= max(np.linalg.norm(out[row]), 1e-9)
    return out
