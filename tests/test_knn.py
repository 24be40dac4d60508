"""kNN graphs over whole vector sets (knn.py) against a brute-force numpy reference."""

from __future__ import annotations

import numpy as np
import pytest

from protocol_match.mining import kmeans_labels, knn_graph_blocked


def _brute_graph(vectors: np.ndarray, k: int) -> np.ndarray:
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    return np.sort(sims, axis=1)[:, ::-1][:, :k]


@pytest.mark.parametrize("exact_below", [10_000, 100])
def test_knn_graph_blocked_matches_brute_force(exact_below: int) -> None:
    rng = np.random.default_rng(3)
    centers = rng.standard_normal((40, 32)).astype(np.float32)
    x = centers[rng.integers(0, 40, 3000)] + 0.3 * rng.standard_normal((3000, 32))
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    sims, pos = knn_graph_blocked(x, 10, exact_below=exact_below)
    assert sims.shape == pos.shape == (3000, 10)
    assert not (pos == np.arange(3000)[:, None]).any()  # never its own neighbour
    # Similarities are the true products of the pairs returned, best first.
    np.testing.assert_allclose(np.einsum("ij,ikj->ik", x, x[pos]), sims, atol=1e-5)
    assert (np.diff(sims, axis=1) <= 1e-6).all()
    kth = _brute_graph(x, 10)[:, -1:]
    recall = np.minimum((sims >= kth - 1e-5).sum(axis=1), 10).mean() / 10
    assert recall == 1.0 if exact_below > 3000 else recall >= 0.97


def test_knn_graph_blocked_pads_small_inputs() -> None:
    x = np.eye(3, dtype=np.float32)
    sims, pos = knn_graph_blocked(x, 5)
    assert sims.shape == (3, 5)
    assert (pos[:, 2:] == -1).all() and np.isneginf(sims[:, 2:]).all()
    assert set(pos[0, :2].tolist()) == {1, 2}


def test_kmeans_labels_separates_clear_clusters() -> None:
    rng = np.random.default_rng(0)
    centers = np.eye(4, 16, dtype=np.float32)
    x = np.repeat(centers, 50, axis=0) + 0.01 * rng.standard_normal((200, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    labels = kmeans_labels(x, 4)
    assert len(set(labels.tolist())) == 4
    for block in range(4):
        assert len(set(labels[block * 50 : (block + 1) * 50].tolist())) == 1
    assert (kmeans_labels(x, 1) == 0).all()
    with pytest.raises(ValueError):
        kmeans_labels(x, 0)
