"""Choosing an embedder: the full model or one of the fast backends built from it."""

from __future__ import annotations

from pathlib import Path

from ._base import Embedder
from ._onnx import OnnxEmbedder
from ._static import StaticEmbedder
from ._torch import SentenceTransformerEmbedder

BACKENDS = ("torch", "static", "onnx-int8")
# What a new store uses unless told otherwise (README, "Fast by default").
DEFAULT_BACKEND = "static"
FAST_KINDS = ("onnx-int8", "static")


def load_embedder(
    model: str | Path | None = None, *, device: str | None = None, backend: str = "torch"
) -> Embedder:
    """The embedder for ``model`` (a local directory; None = the bundled MiniLM).

    ``backend``: "torch" (sentence-transformers, the full model), "static" (a model2vec model
    distilled once from ``model``: ~100x faster, other vector space) or "onnx-int8"
    (ONNX Runtime, int8: ~2x faster, cosine ~0.99 to the full model). See
    :func:`load_fast_embedder`.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    if backend == "torch":
        return SentenceTransformerEmbedder(model, device=device)
    return load_fast_embedder(backend, model)


def load_fast_embedder(
    kind: str,
    base_model: str | Path | None = None,
    *,
    cache_dir: str | Path | None = None,
) -> Embedder:
    """A fast embedder derived from ``base_model`` (None = the bundled MiniLM).

    ``kind`` is ``"static"`` (model2vec distillation, the fastest) or ``"onnx-int8"``.
    Raises ModelError with an install hint when the optional dependency is missing; the model
    itself is built on the first ``encode`` (or call ``.build()`` to do it up front).
    """
    if kind == "static":
        return StaticEmbedder(base_model, cache_dir=cache_dir)
    if kind == "onnx-int8":
        return OnnxEmbedder(base_model, cache_dir=cache_dir)
    raise ValueError(f"unknown fast embedder kind {kind!r}; choose one of {', '.join(FAST_KINDS)}")
