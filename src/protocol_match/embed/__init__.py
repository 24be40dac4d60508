"""Embedding: passage texts become unit vectors; the only package that imports torch,
sentence-transformers, transformers, model2vec and onnxruntime (all lazily, on first use).

Three backends behind one :class:`Embedder` protocol, chosen by :func:`load_embedder`: the
full sentence-transformers model ("torch", the bundled all-MiniLM-L6-v2 by default), a static
model2vec model distilled from it ("static", ~100x faster, its own vector space) and the
model as int8 ONNX ("onnx-int8"). Fast backends are built once from the base model and
cached on disk (the one cache outside ``store``). Also here: ``text_key``, the hash that keys
the store's vector cache, and the document vector of an article.
"""

from ._base import (
    BUNDLED_MODEL_NAME,
    Embedder,
    Progress,
    article_vector,
    document_vector,
    text_key,
)
from ._cache import cache_root
from ._load import BACKENDS, DEFAULT_BACKEND, FAST_KINDS, load_embedder, load_fast_embedder
from ._onnx import OnnxEmbedder
from ._static import StaticEmbedder
from ._torch import (
    SentenceTransformerEmbedder,
    bundled_model_path,
    model_fingerprint,
    set_torch_threads,
)

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "BUNDLED_MODEL_NAME",
    "FAST_KINDS",
    "Embedder",
    "OnnxEmbedder",
    "Progress",
    "SentenceTransformerEmbedder",
    "StaticEmbedder",
    "article_vector",
    "bundled_model_path",
    "cache_root",
    "document_vector",
    "load_embedder",
    "load_fast_embedder",
    "model_fingerprint",
    "set_torch_threads",
    "text_key",
]
