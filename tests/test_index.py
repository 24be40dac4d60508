"""Tests for the store's VectorIndex against real FAISS on small seeded clustered data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from protocol_match.errors import StoreError
from protocol_match.store import (
    INDEX_KINDS,
    VectorIndex,
    choose_kind,
    exact_search,
    ivf_nlist,
)

DIM = 32


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _clustered(n: int, seed: int, n_clusters: int = 40) -> np.ndarray:
    """Points around fixed cluster centers (the same for every seed, so queries drawn with
    another seed come from the indexed distribution)."""
    centers = np.random.default_rng(0).standard_normal((n_clusters, DIM))
    rng = np.random.default_rng(seed)
    points = centers[rng.integers(0, n_clusters, n)] + 0.4 * rng.standard_normal((n, DIM))
    return _unit(points)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    vectors = _clustered(3000, seed=1)
    ids = np.arange(3000, dtype=np.int64) * 7 + 100  # not row numbers: ids must round-trip
    queries = _clustered(100, seed=2)
    return vectors, ids, queries


@pytest.fixture(scope="module")
def built(data: tuple[np.ndarray, np.ndarray, np.ndarray]) -> dict[str, VectorIndex]:
    vectors, ids, _ = data
    return {kind: VectorIndex.build(vectors, ids, kind) for kind in INDEX_KINDS}


def _recall(truth: np.ndarray, found: np.ndarray) -> float:
    return float(
        np.mean([np.intersect1d(t, f).size / t.size for t, f in zip(truth, found, strict=True)])
    )


def test_flat_matches_exact_search(data, built) -> None:
    vectors, ids, queries = data
    sims, found = built["flat"].search(queries, 10)
    ref_sims, ref_ids = exact_search(vectors, ids, queries, 10)
    assert found.dtype == np.int64 and sims.dtype == np.float32
    assert sims.shape == found.shape == (100, 10)
    np.testing.assert_array_equal(found, ref_ids)
    np.testing.assert_allclose(sims, ref_sims, atol=1e-5)
    assert np.all(np.diff(sims, axis=1) <= 1e-6)  # best first


@pytest.mark.parametrize("kind", ["hnsw", "ivf", "ivf-sq8"])
def test_approximate_kinds_recall(data, built, kind: str) -> None:
    vectors, ids, queries = data
    index = built[kind]
    assert index.kind == kind and len(index) == len(vectors)
    assert index.search_param is not None
    _, truth = exact_search(vectors, ids, queries, 10)
    sims, found = index.search(queries, 10)
    assert _recall(truth, found) >= 0.9
    assert set(np.unique(found)) <= set(ids.tolist())  # store ids, not row numbers
    # Similarities are real cosines of the returned ids (sq8: approximately).
    by_id = dict(zip(ids.tolist(), vectors, strict=True))
    expect = np.array([[queries[r] @ by_id[i] for i in row] for r, row in enumerate(found)])
    np.testing.assert_allclose(sims, expect, atol=0.02 if kind == "ivf-sq8" else 1e-4)


def test_exact_search_brute_force_reference() -> None:
    rng = np.random.default_rng(3)
    vectors = _unit(rng.standard_normal((50, DIM)))
    queries = _unit(rng.standard_normal((4, DIM)))
    sims, found = exact_search(vectors, np.arange(50) + 1000, queries, 5)
    scores = queries @ vectors.T
    np.testing.assert_array_equal(found, np.argsort(-scores, axis=1)[:, :5] + 1000)
    np.testing.assert_allclose(sims, -np.sort(-scores, axis=1)[:, :5], atol=1e-6)


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_k_larger_than_n_pads(kind: str) -> None:
    vectors = _clustered(5, seed=4)
    index = VectorIndex.build(vectors, np.array([5, 6, 7, 8, 9]), kind)
    sims, found = index.search(vectors[:2], 8)
    assert found.shape == (2, 8)
    assert sorted(found[0, :5].tolist()) == [5, 6, 7, 8, 9]
    assert (found[:, 5:] == -1).all() and np.isneginf(sims[:, 5:]).all()
    ref_sims, ref_ids = exact_search(vectors, np.array([5, 6, 7, 8, 9]), vectors[:2], 8)
    np.testing.assert_array_equal(ref_ids[:, 5:], -1)
    assert np.isneginf(ref_sims[:, 5:]).all()


def test_tiny_ivf_falls_back_to_flat() -> None:
    vectors = _clustered(200, seed=5)
    assert VectorIndex.build(vectors, np.arange(200), "ivf").kind == "flat"


def test_empty_index_and_empty_queries() -> None:
    index = VectorIndex.build(np.zeros((0, DIM), np.float32), np.zeros(0, np.int64), "auto")
    assert index.kind == "flat" and len(index) == 0 and index.dimension == DIM
    sims, found = index.search(_clustered(3, seed=6), 4)
    assert (found == -1).all() and np.isneginf(sims).all()
    sims, found = index.search(np.zeros((0, DIM), np.float32), 4)
    assert sims.shape == found.shape == (0, 4)


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_incremental_add(data, kind: str) -> None:
    vectors, ids, _ = data
    index = VectorIndex.build(vectors[:2000], ids[:2000], kind)
    index.add(vectors[2000:], ids[2000:])
    assert len(index) == 3000
    # Vectors added later are found under their own ids (each is its own best match).
    sims, found = index.search(vectors[2900:], 1)
    assert np.mean(found[:, 0] == ids[2900:]) >= 0.95
    assert np.all(sims[found[:, 0] == ids[2900:], 0] > 0.99)


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_save_load_round_trip(data, built, kind: str, tmp_path: Path) -> None:
    _, _, queries = data
    index = built[kind]
    path = tmp_path / "sub" / "passages.faiss"
    index.save(path)
    assert [p.name for p in path.parent.iterdir()] == ["passages.faiss"]  # no temp left
    loaded = VectorIndex.load(path)
    assert (loaded.kind, loaded.dimension, len(loaded)) == (kind, DIM, len(index))
    assert loaded.search_param == index.search_param  # nprobe / efSearch persist
    np.testing.assert_array_equal(loaded.search(queries, 10)[1], index.search(queries, 10)[1])


def test_save_replaces_existing_file(data, built, tmp_path: Path) -> None:
    path = tmp_path / "passages.faiss"
    built["flat"].save(path)
    small = VectorIndex.build(data[0][:10], data[1][:10], "flat")
    small.save(path)
    assert len(VectorIndex.load(path)) == 10


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "missing"])
def test_load_corrupt_file_raises_store_error(built, tmp_path: Path, damage: str) -> None:
    path = tmp_path / "passages.faiss"
    built["ivf"].save(path)
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        path.write_bytes(b"this is not a faiss index" * 10)
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.unlink()
    with pytest.raises(StoreError) as info:
        VectorIndex.load(path)
    assert str(path) in str(info.value)
    assert "protocol-match rebuild" in str(info.value)


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_remove(data, kind: str) -> None:
    vectors, ids, _ = data
    index = VectorIndex.build(vectors[:1500], ids[:1500], kind)
    gone = ids[:100]
    assert index.remove(np.concatenate([gone, [999_999_999]])) == 100
    assert len(index) == 1400
    _, found = index.search(vectors[:100], 5)
    assert not np.isin(found, gone).any()
    assert index.remove(np.array([], dtype=np.int64)) == 0


def test_bad_inputs_raise_value_error(data, built) -> None:
    vectors, ids, queries = data
    flat = built["flat"]
    with pytest.raises(ValueError, match="dimension"):
        flat.search(np.ones((2, DIM + 1), np.float32), 3)
    with pytest.raises(ValueError, match="2-D"):
        flat.search(queries[0], 3)
    with pytest.raises(ValueError, match="NaN"):
        flat.search(np.full((1, DIM), np.nan, np.float32), 3)
    with pytest.raises(ValueError, match="k must"):
        flat.search(queries, 0)
    with pytest.raises(ValueError, match="ids"):
        VectorIndex.build(vectors[:10], ids[:9], "flat")
    with pytest.raises(ValueError, match="unique"):
        VectorIndex.build(vectors[:3], np.array([1, 1, 2]), "flat")
    with pytest.raises(ValueError, match=">= 0"):
        VectorIndex.build(vectors[:2], np.array([-1, 2]), "flat")
    with pytest.raises(ValueError, match="floating"):
        VectorIndex.build(np.ones((2, DIM), np.int64), np.array([1, 2]), "flat")
    with pytest.raises(ValueError, match="unknown index kind"):
        VectorIndex.build(vectors[:2], ids[:2], "annoy")
    with pytest.raises(ValueError, match="dimension"):
        flat.add(np.ones((1, 3), np.float32), np.array([1]))


def test_float64_and_non_contiguous_inputs_accepted(data) -> None:
    vectors, ids, _ = data
    index = VectorIndex.build(vectors[::2].astype(np.float64), ids[::2], "flat")
    _, found = index.search(np.asfortranarray(vectors[::2][:4]), 1)
    np.testing.assert_array_equal(found[:, 0], ids[::2][:4])


def test_choose_kind_and_nlist() -> None:
    assert choose_kind(0) == choose_kind(10_000) == "flat"
    assert choose_kind(200_000) in INDEX_KINDS
    assert choose_kind(1_000_000) in INDEX_KINDS and choose_kind(1_000_000) != "flat"
    with pytest.raises(ValueError):
        choose_kind(-1)
    assert ivf_nlist(1_000_000) <= 1024
    assert ivf_nlist(5000) * 39 <= 5000  # enough k-means points per list
    assert VectorIndex.build(_clustered(20, seed=7), np.arange(20)).kind == "flat"


def test_outgrown() -> None:
    small = VectorIndex.build(_clustered(100, seed=8), np.arange(100), "flat")
    assert not small.outgrown()
    assert VectorIndex.build(_clustered(100, seed=8), np.arange(100), "hnsw").outgrown()


def test_ivf_calibration_is_not_fooled_by_verbatim_duplicates():
    """Identical vectors (verbatim formulas) tie; which tied id comes back must not matter."""
    rng = np.random.default_rng(7)
    base = rng.standard_normal((12_000, 32)).astype(np.float32)
    base[::2] = base[rng.integers(0, 50, size=6_000) * 2 + 1]  # half the rows: 50 repeated vectors
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    ids = np.arange(len(base), dtype=np.int64)
    idx = VectorIndex.build(base, ids, kind="ivf")
    nlist = idx._index.nlist
    assert idx.search_param is not None and idx.search_param < nlist
    queries = base[rng.integers(0, len(base), size=50)]
    sims, _ = idx.search(queries, 10)
    ref_sims, _ = exact_search(base, ids, queries, 10)
    # tie-aware recall@10: returned vectors at least as similar as the true 10th one
    hits = (sims >= ref_sims[:, -1:] - 1e-5).sum()
    assert hits / sims.size >= 0.9
