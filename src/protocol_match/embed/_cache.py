"""Fast embedders' shared plumbing: models built once from the base model, cached on disk.

Built artifacts go under ``$PROTOCOL_MATCH_CACHE`` (default ``~/.cache/protocol_match``) in a
folder named after the base model's fingerprint; a file lock makes concurrent builds safe.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ._torch import SentenceTransformerEmbedder

_INSTALL_HINT = 'pip install "protocol-match[fast]"'


def cache_root() -> Path:
    """Where built models are cached: ``$PROTOCOL_MATCH_CACHE`` or ``~/.cache/protocol_match``."""
    env = os.environ.get("PROTOCOL_MATCH_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "protocol_match"


def require(module: str, what: str) -> None:
    """Raise ModelError with an install hint when an optional dependency is missing."""
    if importlib.util.find_spec(module) is None:
        raise ModelError(f"{what} needs the optional package '{module}': run `{_INSTALL_HINT}`.")


@contextlib.contextmanager
def build_dir(target: Path) -> Iterator[Path]:
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


def normalized(vecs: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm in float32 (all-zero rows stay zero)."""
    vecs = np.asarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.maximum(norms, 1e-12)


class FastEmbedder:
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


def write_meta(
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
