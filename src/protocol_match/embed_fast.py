"""Fast embedders for bulk indexing, built once from the base model and cached on disk.

Two paths, both derived offline from the base sentence-transformers model (the bundled
all-MiniLM-L6-v2 by default), so nothing is ever downloaded:

* ``"static"`` (:class:`StaticEmbedder`): a model2vec static model distilled from the base
  model (token vectors, PCA to 256 dims, mean pooling). ~100x faster than the transformer on
  2 CPU cores, and for near-duplicate formulas at least as discriminating; but its vectors
  live in another space, so a store is built with ONE embedder and the fingerprint tells them
  apart. Intended use: bulk indexing and candidate search; the full model confirms candidates.
* ``"onnx-int8"`` (:class:`OnnxEmbedder`): the base transformer exported to ONNX and quantized
  to dynamic per-channel int8, run with onnxruntime: ~2x the plain model, cosine ~0.99 to it.

Built artifacts go under ``$PROTOCOL_MATCH_CACHE`` (default ``~/.cache/protocol_match``) in a
folder named after the base model's fingerprint; a file lock makes concurrent builds safe.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from .embed import Embedder, Progress, SentenceTransformerEmbedder, _quiet_transformers
from .errors import ModelError

log = logging.getLogger(__name__)

FAST_KINDS = ("onnx-int8", "static")
# Bump when the way a cached artifact is built changes, so old caches and stores are not mixed.
_ONNX_RECIPE = "onnx-int8"
_STATIC_RECIPE = "m2v1"
_INSTALL_HINT = 'pip install "protocol-match[fast]"'


def cache_root() -> Path:
    """Where built models are cached: ``$PROTOCOL_MATCH_CACHE`` or ``~/.cache/protocol_match``."""
    env = os.environ.get("PROTOCOL_MATCH_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "protocol_match"


def _require(module: str, what: str) -> None:
    """Raise ModelError with an install hint when an optional dependency is missing."""
    if importlib.util.find_spec(module) is None:
        raise ModelError(f"{what} needs the optional package '{module}': run `{_INSTALL_HINT}`.")


@contextlib.contextmanager
def _build_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``, moved into place only if the build succeeds.

    A file lock serializes builders; a second process waits, then finds ``target`` ready.
    """
    from filelock import FileLock

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(
            f"Cannot create the model cache {target.parent}: {exc}. "
            "Set PROTOCOL_MATCH_CACHE to a writable folder."
        ) from exc
    with FileLock(str(target) + ".lock"):
        if target.exists() and not (target / "meta.json").is_file():
            shutil.rmtree(target)  # left by a build from an older version without meta.json
        tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
        try:
            yield tmp
            if target.exists():  # the caller found it built after taking the lock
                shutil.rmtree(tmp)
            else:
                os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _normalized(vecs: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm in float32 (all-zero rows stay zero)."""
    vecs = np.asarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.maximum(norms, 1e-12)


class _FastBase:
    """Shared plumbing: the base model's identity and the artifact's cache folder."""

    kind: str

    def __init__(self, base_model: str | Path | None, cache_dir: str | Path | None) -> None:
        # The base embedder is only used for its path, name and fingerprint: it is never loaded.
        self.base = SentenceTransformerEmbedder(base_model)
        root = Path(cache_dir).expanduser() if cache_dir is not None else cache_root()
        self.cache_dir = root / self.base.fingerprint

    @property
    def artifact_dir(self) -> Path:
        """The folder holding this embedder's built model."""
        return self.cache_dir / self.kind

    def is_built(self) -> bool:
        """Whether the cached model exists, i.e. the first encode will not build it."""
        return (self.artifact_dir / "meta.json").is_file()

    def _check_texts(self, texts: Sequence[str]) -> None:
        if isinstance(texts, str):
            raise ValueError("encode() takes a sequence of texts, not one string")


class StaticEmbedder(_FastBase):
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
        _require("model2vec", "The static embedder")
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
        _require("model2vec.distill", "Distilling the static model")
        _quiet_transformers()
        from model2vec.distill import distill

        log.info("distilling a static model from %s (once, ~20 s)", self.base.path)
        with _build_dir(self.artifact_dir) as tmp, _no_tqdm():
            if self.is_built():  # another process finished it while we waited for the lock
                return self.artifact_dir
            model = distill(model_name=str(self.base.path), pca_dims=self.pca_dims, device="cpu")
            model.save_pretrained(str(tmp))
            _write_meta(tmp, self.base, recipe=self.kind, package="model2vec")
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
            out[start : start + len(chunk)] = _normalized(vecs)
            if progress is not None:
                progress(len(chunk))
        return out


class OnnxEmbedder(_FastBase):
    """The base transformer as dynamic per-channel int8 ONNX, run with onnxruntime on CPU."""

    def __init__(
        self,
        base_model: str | Path | None = None,
        *,
        cache_dir: str | Path | None = None,
        batch_size: int = 32,
        threads: int | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if threads is not None and threads < 1:
            raise ValueError("threads must be at least 1")
        _require("onnxruntime", "The onnx-int8 embedder")
        super().__init__(base_model, cache_dir)
        self.kind = _ONNX_RECIPE
        self.name = f"{self.base.name}+onnx-int8"
        self.fingerprint = f"{self.base.fingerprint}-{self.kind}"
        self.dimension = self.base.dimension
        self.batch_size = batch_size
        self.threads = threads
        self.max_length = _max_seq_length(self.base.path)
        self._session = None
        self._tokenizer = None

    def build(self) -> Path:
        """Export and quantize the model into the cache if it is not there yet."""
        if self.is_built():
            return self.artifact_dir
        _require("onnx", "Quantizing the ONNX model")
        log.info("exporting %s to int8 ONNX (once, ~5 s)", self.base.path)
        with _build_dir(self.artifact_dir) as tmp:
            if self.is_built():
                return self.artifact_dir
            _export_int8(self.base.path, tmp)
            _write_meta(tmp, self.base, recipe=self.kind, package="onnxruntime")
        return self.artifact_dir

    def _load(self) -> None:
        self.build()
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        if self.threads:
            opts.intra_op_num_threads = self.threads
        try:
            self._session = ort.InferenceSession(
                str(self.artifact_dir / "model.onnx"), opts, providers=["CPUExecutionProvider"]
            )
            tok = Tokenizer.from_file(str(self.base.path / "tokenizer.json"))
        except Exception as exc:
            raise ModelError(
                f"Could not load the ONNX model cached in {self.artifact_dir}: {exc}. "
                "Delete that folder to rebuild it."
            ) from exc
        # Same truncation as sentence-transformers (special tokens included); we pad ourselves.
        tok.enable_truncation(max_length=self.max_length)
        tok.no_padding()
        self._tokenizer = tok

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Embed ``texts`` in batches sorted by token count, so padding is minimal."""
        self._check_texts(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        if self._session is None:
            self._load()
        encodings = self._tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(-lengths, kind="stable")
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            ids = np.zeros((len(batch), int(lengths[batch].max())), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(batch):
                ids[row, : lengths[i]] = encodings[i].ids
                mask[row, : lengths[i]] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            out[batch] = _normalized(self._session.run(None, feeds)[0])
            if progress is not None:
                progress(len(batch))
        return out


def _max_seq_length(path: Path) -> int:
    """The base model's truncation length (sentence-transformers' ``max_seq_length``)."""
    cfg = path / "sentence_bert_config.json"
    if cfg.is_file():
        value = json.loads(cfg.read_text()).get("max_seq_length")
        if value:
            return int(value)
    return 512


def _write_meta(
    folder: Path, base: SentenceTransformerEmbedder, *, recipe: str, package: str
) -> None:
    """Record how the artifact was built; its presence marks a finished build."""
    from importlib.metadata import version

    meta = {
        "recipe": recipe,
        "base_model": base.name,
        "base_fingerprint": base.fingerprint,
        package: version(package),
    }
    (folder / "meta.json").write_text(json.dumps(meta, indent=2))


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


def _export_int8(base_path: Path, folder: Path) -> None:
    """Export the base transformer (+ mean pooling + normalize) to ONNX and quantize it to int8.

    Uses the TorchScript exporter (``dynamo=False``) and onnxruntime's dynamic per-channel
    quantization: per-tensor int8 loses too much (mean cosine 0.956 vs 0.994 per-channel).
    """
    _quiet_transformers()
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    if not _is_mean_pooling(base_path):
        raise ModelError(
            f"onnx-int8 supports mean-pooling sentence-transformers models only; {base_path} "
            "uses another pooling. Use the plain embedder or the static one."
        )
    try:
        model = AutoModel.from_pretrained(str(base_path), attn_implementation="eager").eval()
    except Exception as exc:
        raise ModelError(f"Could not load {base_path} for ONNX export: {exc}") from exc

    class MeanPooled(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN201
            hidden = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    dummy = torch.ones(2, 8, dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}}
    axes["token_type_ids"] = {0: "batch", 1: "seq"}
    axes["embedding"] = {0: "batch"}
    fp32 = folder / "model-fp32.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        # The tracer warns about shape checks that are constant for an encoder: harmless.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            MeanPooled(model),
            (dummy, torch.ones_like(dummy), torch.zeros_like(dummy)),
            str(fp32),
            dynamo=False,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["embedding"],
            dynamic_axes=axes,
            opset_version=17,
        )
    quantize_dynamic(
        str(fp32), str(folder / "model.onnx"), per_channel=True, weight_type=QuantType.QInt8
    )
    fp32.unlink()  # 86 MB we never run


def _is_mean_pooling(path: Path) -> bool:
    cfg = path / "1_Pooling" / "config.json"
    if not cfg.is_file():
        return True  # plain transformers folder: sentence-transformers defaults to mean pooling
    return bool(json.loads(cfg.read_text()).get("pooling_mode_mean_tokens"))


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
