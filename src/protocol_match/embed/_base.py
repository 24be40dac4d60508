"""What every embedder offers, and the vector arithmetic and text keys built on it.

The rest of the project sees embedders only through :class:`Embedder`; text keys (hashes of
a passage's normalized text) key the store's vector cache.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import numpy as np

from ..records import Segmented

BUNDLED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
Progress = Callable[[int], None]


class Embedder(Protocol):
    """What the rest of the project needs from an embedding model."""

    name: str
    fingerprint: str
    dimension: int

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Return L2-normalized float32 vectors, one row per text, in input order."""
        ...


def text_key(text: str) -> str:
    """Cache key of a passage text: hash of its NFC, whitespace-collapsed form."""
    norm = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:32]


def document_vector(vectors: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Normalized weighted mean of passage vectors: an article's document vector."""
    vec = (np.asarray(weights, dtype=np.float32)[:, None] * vectors).sum(axis=0)
    return (vec / max(float(np.linalg.norm(vec)), 1e-12)).astype(np.float32)


def article_vector(seg: Segmented, vectors: Mapping[str, np.ndarray]) -> np.ndarray:
    """Length-weighted mean of the paragraph vectors, normalized."""
    if not seg.paragraphs:
        dim = len(next(iter(vectors.values())))
        return np.zeros(dim, dtype=np.float32)
    weights = np.asarray([len(p.text) for p in seg.paragraphs], dtype=np.float32)
    mat = np.stack([vectors[text_key(p.text)] for p in seg.paragraphs])
    return document_vector(mat, weights)
