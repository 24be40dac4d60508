"""protocol_match: find boilerplate, syndicated copies and novel passages in news.

>>> from protocol_match import Corpus, novelty_scores   # doctest: +SKIP
>>> corpus = Corpus.build(["seeds/"], store="embeddings")  # doctest: +SKIP
>>> corpus.compare("new.txt").novelty                      # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Corpus", "novelty_scores", "ProtocolMatchError", "__version__"]

if TYPE_CHECKING:
    from .corpus import Corpus, novelty_scores
    from .errors import ProtocolMatchError


def __getattr__(name: str) -> Any:
    # Lazy: `import protocol_match` and `--help` must not pay for numpy/torch/faiss.
    if name in ("Corpus", "novelty_scores"):
        from . import corpus

        return getattr(corpus, name)
    if name == "ProtocolMatchError":
        from .errors import ProtocolMatchError

        return ProtocolMatchError
    raise AttributeError(f"module 'protocol_match' has no attribute {name!r}")
