"""Tests for the fast embedders: real models, built once per machine in the model cache."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from protocol_match.embed import (
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    StaticEmbedder,
    cache_root,
    load_fast_embedder,
)
from protocol_match.errors import ModelError

FORMULA = (
    "The Minister of Defense of the Republic of Azerbaijan, Colonel General Zakir Hasanov "
    "received a delegation led by the Commander of the Air Force of the Republic of Türkiye."
)
# The same formula with other names and a small edit: what the fast path must find.
FORMULA_VARIANT = (
    "The Minister of Defence of the Republic of Azerbaijan, Colonel General Kerim Valiyev "
    "received a delegation led by the Chief of the General Staff of the Republic of Georgia."
)
# Same topic and names, another sentence: what must score lower.
SAME_TOPIC = (
    "Zakir Hasanov informed the Turkish Air Force commander about the operational situation "
    "on the conditional border and the rearmament of Armenia."
)
TEXTS = [FORMULA, FORMULA_VARIANT, SAME_TOPIC, "Short one.", "word " * 700]


@pytest.fixture(scope="module")
def cache_dir() -> Path:
    """The machine's model cache: the distillation (~15 s) and the ONNX export run once per
    machine, not once per test session."""
    return cache_root()


@pytest.fixture(scope="module")
def static(static_embedder: StaticEmbedder) -> StaticEmbedder:
    return static_embedder


@pytest.fixture(scope="module")
def onnx(cache_dir: Path) -> OnnxEmbedder:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    emb = OnnxEmbedder(cache_dir=cache_dir)
    emb.build()
    return emb


def _cos(v: np.ndarray, i: int, j: int) -> float:
    return float(v[i] @ v[j])


def test_static_vectors_shape_dtype_and_norm(static: StaticEmbedder) -> None:
    vecs = static.encode(TEXTS)
    assert vecs.shape == (len(TEXTS), 256) == (len(TEXTS), static.dimension)
    assert vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_static_is_deterministic_and_reloads_the_same_model(static: StaticEmbedder) -> None:
    first = static.encode(TEXTS)
    np.testing.assert_array_equal(first, static.encode(TEXTS))
    again = StaticEmbedder(cache_dir=static.cache_dir.parent)
    assert again.is_built()
    np.testing.assert_allclose(again.encode(TEXTS), first, atol=1e-6)
    # Order independence: each row depends only on its own text.
    np.testing.assert_allclose(static.encode(TEXTS[::-1])[::-1], first, atol=1e-6)


def test_static_formula_variant_beats_same_topic_sentence(static: StaticEmbedder) -> None:
    vecs = static.encode(TEXTS)
    assert _cos(vecs, 0, 1) > _cos(vecs, 0, 2) + 0.05


def test_static_progress_and_empty_input(static: StaticEmbedder) -> None:
    seen: list[int] = []
    small = StaticEmbedder(cache_dir=static.cache_dir.parent, batch_size=2)
    small.encode(TEXTS, progress=seen.append)
    assert seen == [2, 2, 1]
    assert static.encode([]).shape == (0, 256)
    with pytest.raises(ValueError):
        static.encode("one string")


def test_fingerprints_tell_the_models_apart(static: StaticEmbedder, onnx: OnnxEmbedder) -> None:
    base = SentenceTransformerEmbedder()
    prints = {base.fingerprint, static.fingerprint, onnx.fingerprint}
    assert len(prints) == 3
    assert static.fingerprint.startswith(base.fingerprint)
    assert onnx.fingerprint.startswith(base.fingerprint)
    assert StaticEmbedder(cache_dir=static.cache_dir.parent).fingerprint == static.fingerprint
    assert StaticEmbedder(pca_dims=128).fingerprint != static.fingerprint
    assert static.name != base.name and onnx.name != base.name


def test_onnx_is_faithful_to_the_full_model(onnx: OnnxEmbedder, embedder) -> None:
    vecs = onnx.encode(TEXTS)
    assert vecs.shape == (len(TEXTS), 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    ref = embedder.encode(TEXTS)
    cos = (vecs * ref).sum(axis=1)
    assert cos.min() > 0.97, cos
    assert cos.mean() > 0.985, cos
    assert _cos(vecs, 0, 1) > _cos(vecs, 0, 2)


def test_onnx_is_deterministic_and_stable_across_batchings(onnx: OnnxEmbedder) -> None:
    first = onnx.encode(TEXTS)
    np.testing.assert_array_equal(first, onnx.encode(TEXTS))
    # Dynamic int8 quantizes activations with one range per batch, so a text's vector moves a
    # little with its batch neighbours (0.98-0.99 here): close, not bit-identical.
    one_by_one = OnnxEmbedder(cache_dir=onnx.cache_dir.parent, batch_size=1).encode(TEXTS)
    assert (first * one_by_one).sum(axis=1).min() > 0.97
    assert onnx.encode([]).shape == (0, 384)


def test_factory_kinds_and_errors(static: StaticEmbedder, onnx: OnnxEmbedder) -> None:
    root = static.cache_dir.parent
    assert isinstance(load_fast_embedder("static", cache_dir=root), StaticEmbedder)
    assert isinstance(load_fast_embedder("onnx-int8", cache_dir=root), OnnxEmbedder)
    with pytest.raises(ValueError, match="unknown fast embedder"):
        load_fast_embedder("fp16")
    with pytest.raises(ValueError):
        StaticEmbedder(pca_dims=1000)
    with pytest.raises(ModelError, match="not found"):
        load_fast_embedder("static", base_model="/nonexistent/model")


def test_missing_optional_dependency_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec

    def hide_model2vec(name: str, *args: object) -> object:
        return None if name.startswith("model2vec") else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", hide_model2vec)
    with pytest.raises(ModelError, match=r"protocol-match\[fast\]"):
        load_fast_embedder("static")


def test_cache_root_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROTOCOL_MATCH_CACHE", str(tmp_path))
    assert cache_root() == tmp_path
    monkeypatch.delenv("PROTOCOL_MATCH_CACHE")
    assert cache_root() == Path.home() / ".cache" / "protocol_match"


def test_unwritable_cache_is_a_model_error(tmp_path: Path) -> None:
    pytest.importorskip("model2vec")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ModelError, match="PROTOCOL_MATCH_CACHE"):
        StaticEmbedder(cache_dir=blocker / "cache").build()
