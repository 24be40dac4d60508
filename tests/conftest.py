"""Shared fixtures: the real bundled model, real FAISS, stores built from the seeds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Property tests are derandomized by default, so the suite (and CI) passes or fails the same
# way every run; `pytest --hypothesis-profile=explore` searches new random examples locally
# (add what it finds as an @example).
settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

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
def static_embedder():
    """The static (model2vec) model distilled from the bundled MiniLM: built once per machine
    into the default cache (``$PROTOCOL_MATCH_CACHE`` or ``~/.cache/protocol_match``), then
    loaded in milliseconds by every later session."""
    pytest.importorskip("model2vec")
    from protocol_match.embed import load_embedder

    emb = load_embedder(backend="static")
    emb.encode(["warm up"])
    return emb


@pytest.fixture(scope="session")
def store_000(tmp_path_factory, embedder) -> Path:
    """A store holding seed 000 only (read-only: copy it before changing it)."""
    from protocol_match.corpus import Corpus

    path = tmp_path_factory.mktemp("store000") / "store"
    corpus = Corpus.open(path, create=True, backend="torch")
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
