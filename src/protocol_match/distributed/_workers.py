"""Code that runs inside Ray workers: reading, embedding, building and serving shards.

Plain functions and classes (no Ray import): ``_engine`` wraps them with
``ray.remote`` and the resources they need.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from ..records import Article, Segmented

MEMO_SIZE = 50_000  # vectors each worker remembers (repeated boilerplate is embedded once)


def read_group(group: list[tuple[str, str]], options: dict[str, Any]) -> list[list[Article]]:
    """Read a group of files (each with its default source): one article list per file."""
    from ..ingest import read_file_articles

    return [read_file_articles(Path(f), s, options) for f, s in group]


class EmbedWorker:
    """Embedding actor: loads the model once, then segments and embeds batches."""

    def __init__(
        self, model: str | None, backend: str, fingerprint: str, threads: int, crash: str | None
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from ..embed import load_embedder, set_torch_threads
        from ..errors import ModelMismatchError

        set_torch_threads(threads)
        self._embedder = load_embedder(model, backend=backend)
        if self._embedder.fingerprint != fingerprint:
            raise ModelMismatchError(
                f"The worker's model {self._embedder.name} ({self._embedder.fingerprint}) is "
                f"not the store's ({fingerprint}); install the same model on every node."
            )
        self._crash = crash
        self._dimension = self._embedder.dimension
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()

    def embed(self, articles: list[Article]) -> tuple[list[Segmented], list[str], np.ndarray]:
        """Segment ``articles``; return them with their distinct passage keys and vectors."""
        from ..embed import text_key
        from ..ingest import segment

        if self._crash and not os.path.exists(self._crash):
            Path(self._crash).write_text(str(os.getpid()))
            os._exit(1)  # simulate a worker dying mid-batch (fault tests)
        segs = [segment(a) for a in articles]
        texts = {text_key(p.text): p.text for s in segs for p in s.passages}
        missing = [k for k in texts if k not in self._memo]
        if missing:
            vecs = self._embedder.encode([texts[k] for k in missing])
            self._memo.update(zip(missing, vecs, strict=True))
        keys = list(texts)
        out = (
            np.stack([self._memo[k] for k in keys])
            if keys
            else np.zeros((0, self._dimension), np.float32)
        )
        for k in keys:
            self._memo.move_to_end(k)
        while len(self._memo) > MEMO_SIZE:
            self._memo.popitem(last=False)
        return segs, keys, out

    def rss_mb(self) -> float:
        """Resident memory of this worker process in MB (Linux; 0 elsewhere)."""
        try:
            with open("/proc/self/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def ready(self) -> bool:
        """Answered once the model is loaded (the constructor has run)."""
        return True


def build_shard(vectors: np.ndarray, ids: np.ndarray, kind: str, dimension: int) -> bytes:
    """Build one shard's FAISS index; returns the bytes of its file."""
    from ..store import VectorIndex

    if len(ids):
        idx = VectorIndex.build(vectors, ids, kind=kind)
    else:
        idx = VectorIndex.build(np.zeros((0, dimension), np.float32), ids, "flat")
    return idx.to_bytes()


class ShardServer:
    """Actor holding one shard index in memory and answering searches against it."""

    def __init__(self, data: bytes) -> None:
        from ..store import VectorIndex

        self._index = VectorIndex.from_bytes(data)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self._index.search(queries, k)
