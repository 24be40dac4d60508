"""The static backend: a model2vec model distilled from the base model.

Token vectors, PCA to 256 dims, mean pooling: ~100x faster than the transformer on 2 CPU
cores, and for near-duplicate formulas at least as discriminating; but its vectors live in
another space, so a store is built with ONE embedder and the fingerprint tells them apart.
Intended use: bulk indexing and candidate search.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ._base import Progress
from ._cache import FastEmbedder, build_dir, normalized, require, write_meta
from ._torch import quiet_transformers

log = logging.getLogger(__name__)

# Bump when the way the cached artifact is built changes, so old caches and stores are not
# mixed.
_STATIC_RECIPE = "m2v1"


class StaticEmbedder(FastEmbedder):
    """A model2vec static model distilled from the base model (built on first use, ~20 s)."""

    def __init__(
        self,
        base_model: str | Path | None = None,
        *,
        pca_dims: int = 256,
        cache_dir: str | Path | None = None,
        batch_size: int = 4096,
        use_multiprocessing: bool = True,
    ) -> None:
        if pca_dims < 2:
            raise ValueError("pca_dims must be at least 2")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        require("model2vec", "The static embedder")
        super().__init__(base_model, cache_dir)
        if pca_dims > self.base.dimension:
            raise ValueError(
                f"pca_dims ({pca_dims}) exceeds the base model's dimension ({self.base.dimension})"
            )
        self.pca_dims = pca_dims
        self.kind = f"static-{_STATIC_RECIPE}-pca{pca_dims}"
        self.name = f"{self.base.name}+model2vec-pca{pca_dims}"
        self.fingerprint = f"{self.base.fingerprint}-{self.kind}"
        self.dimension = pca_dims
        self.batch_size = batch_size
        # model2vec's "multiprocessing" is a joblib thread pool (tokenizers and numpy release
        # the GIL): ~1.6x on 2 cores, no processes spawned.
        self.use_multiprocessing = use_multiprocessing
        self._model = None

    def build(self) -> Path:
        """Distill the static model into the cache if it is not there yet; return its folder."""
        if self.is_built():
            return self.artifact_dir
        require("model2vec.distill", "Distilling the static model")
        quiet_transformers()
        from model2vec.distill import distill

        log.info("distilling a static model from %s (once, ~20 s)", self.base.path)
        with build_dir(self.artifact_dir) as tmp, _no_tqdm():
            if self.is_built():  # another process finished it while we waited for the lock
                return self.artifact_dir
            model = distill(model_name=str(self.base.path), pca_dims=self.pca_dims, device="cpu")
            model.save_pretrained(str(tmp))
            write_meta(tmp, self.base, recipe=self.kind, package="model2vec")
        return self.artifact_dir

    @property
    def model(self):  # noqa: ANN201 - model2vec.StaticModel, imported lazily
        if self._model is None:
            self.build()
            from model2vec import StaticModel

            try:
                # float32 on load: faster than the stored float16 on CPU, and exact pooling.
                self._model = StaticModel.from_pretrained(
                    str(self.artifact_dir), quantize_to="float32"
                )
            except Exception as exc:
                raise ModelError(
                    f"Could not load the static model cached in {self.artifact_dir}: {exc}. "
                    "Delete that folder to rebuild it."
                ) from exc
        return self._model

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Return L2-normalized float32 vectors (``pca_dims`` wide), one row per text."""
        self._check_texts(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        model = self.model
        texts = list(texts)
        for start in range(0, len(texts), self.batch_size):
            chunk = texts[start : start + self.batch_size]
            vecs = model.encode(
                chunk,
                show_progress_bar=False,
                use_multiprocessing=self.use_multiprocessing,
                multiprocessing_threshold=1024,
            )
            out[start : start + len(chunk)] = normalized(vecs)
            if progress is not None:
                progress(len(chunk))
        return out


@contextlib.contextmanager
def _no_tqdm() -> Iterator[None]:
    """Silence the progress bar model2vec's distill draws on stderr (the library never prints).

    tqdm reads its environment at import time, so swap the name model2vec's inference module
    uses for the duration of the block instead.
    """
    import functools

    from model2vec.distill import inference

    original = getattr(inference, "tqdm", None)
    if original is not None:
        inference.tqdm = functools.partial(original, disable=True)
    try:
        yield
    finally:
        if original is not None:
            inference.tqdm = original
