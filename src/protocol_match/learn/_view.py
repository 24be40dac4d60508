"""What learning needs from a corpus: a protocol that ``protocol_match.Corpus`` satisfies.

Learning sits below the entry class (``Corpus`` calls into it while comparing), so it names
the corpus's methods here instead of importing it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from ..embed import Embedder
from ..judge import Candidate, VerdictModel
from ..records import Passage, Template
from ..store import Store


class CorpusView(Protocol):
    """The corpus methods labels, features, the model and review use."""

    store: Store

    @property
    def embedder(self) -> Embedder:
        """The store's model, loaded on first use."""
        ...

    def params(self, min_support: int | None, threshold: float | None) -> dict:
        """Mining parameters: the given ones, else those of the last mining, else defaults."""
        ...

    def stories(self) -> dict[str, str]:
        """Article id -> story id of the last mining."""
        ...

    def candidates(
        self, level: str, queries: np.ndarray, k: int, exclude: str | None
    ) -> list[list[Candidate]]:
        """The ``k`` nearest stored passages of each query vector."""
        ...

    def load_templates(self, *, members: bool = True) -> tuple[list[Template], dict[int, int]]:
        """Stored templates (before the user's verdicts) and the passage -> template map."""
        ...

    def templates_for_compare(
        self, min_support: int | None, threshold: float | None
    ) -> tuple[list[Template], dict[int, int]]:
        """Templates and passage -> template map as ``compare`` uses them (verdicts applied)."""
        ...

    def templates(
        self, min_support: int | None = None, threshold: float | None = None
    ) -> list[Template]:
        """The corpus's templates after the user's verdicts, mined again when stale."""
        ...

    @property
    def verdict_model(self) -> VerdictModel:
        """The unsupervised verdict model."""
        ...

    def feature_rows(
        self,
        level: str,
        passages: Sequence[Passage],
        scored: Sequence[Sequence[tuple[float, Candidate]]],
        stories: Mapping[str, str],
        own: frozenset[str],
        paragraphs: int,
    ) -> np.ndarray:
        """The verdict model's feature rows of passages with their scored candidates."""
        ...
