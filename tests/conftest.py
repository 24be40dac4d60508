"""Shared fixtures: the real bundled model, real FAISS, stores built from the seeds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_000 = SEEDS / "000_f20aa96fecda98fa.txt"
SEED_003 = SEEDS / "003_2a0c25d3f043716a.txt"


@pytest.fixture(scope="session")
def embedder():
    """The bundled all-MiniLM-L6-v2, loaded once per test session."""
    from protocol_match.embed import load_embedder

    emb = load_embedder()
    emb.encode(["warm up"])
    return emb


@pytest.fixture(scope="session")
def store_000(tmp_path_factory, embedder) -> Path:
    """A store holding seed 000 only (read-only: copy it before changing it)."""
    from protocol_match.corpus import Corpus

    path = tmp_path_factory.mktemp("store000") / "store"
    corpus = Corpus.open(path, create=True)
    corpus._embedder = embedder  # reuse the loaded model: same fingerprint, same vectors
    corpus.add([SEED_000])
    corpus.close()
    return path


@pytest.fixture
def store_copy(store_000, tmp_path) -> Path:
    """A private copy of the seed-000 store that a test may change."""
    dest = tmp_path / "store"
    shutil.copytree(store_000, dest)
    return dest


@pytest.fixture
def corpus_000(store_000, embedder):
    from protocol_match.corpus import Corpus

    corpus = Corpus.open(store_000)
    corpus._embedder = embedder
    yield corpus
    corpus.close()
