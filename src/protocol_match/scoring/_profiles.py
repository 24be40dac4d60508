"""Content profiles of many passages as one sparse matrix: weighted dice in bulk.

:func:`protocol_match.scoring.dice` scores one pair of profiles in Python; template mining
scores millions of kNN pairs and every pair inside each candidate cluster, so here the
profiles are rows of a CSR matrix (passage x stem, value = the stem's weight) and dice is
``2 * sum(min(a, b)) / (sum(a) + sum(b))`` computed with sparse element-wise minima, in
chunks. The values equal :func:`~protocol_match.scoring.dice` up to float rounding.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._lexical import content_profile

# Pairs scored per sparse operation: bounds the temporary matrices to a few hundred MB.
_CHUNK = 200_000


class ProfileMatrix:
    """Sparse content profiles of ``texts`` (identical texts share one computation)."""

    def __init__(self, texts: Sequence[str]) -> None:
        from scipy.sparse import csr_matrix

        vocab: dict[str, int] = {}
        by_text: dict[str, tuple[list[int], list[float]]] = {}
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for text in texts:
            row = by_text.get(text)
            if row is None:
                prof = content_profile(text)
                cols = [vocab.setdefault(s, len(vocab)) for s in prof]
                row = by_text[text] = (cols, list(prof.values()))
            indices.extend(row[0])
            data.extend(row[1])
            indptr.append(len(indices))
        self.matrix = csr_matrix(
            (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), indptr),
            shape=(len(texts), max(1, len(vocab))),
        )
        self.totals = np.asarray(self.matrix.sum(axis=1)).ravel()

    def __len__(self) -> int:
        return self.matrix.shape[0]

    def pairs(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """Weighted dice of each pair ``(src[i], dst[i])`` (0 where both are empty)."""
        src = np.asarray(src, dtype=np.int64)
        dst = np.asarray(dst, dtype=np.int64)
        out = np.empty(len(src), dtype=np.float64)
        for lo in range(0, len(src), _CHUNK):
            a, b = src[lo : lo + _CHUNK], dst[lo : lo + _CHUNK]
            shared = np.asarray(self.matrix[a].minimum(self.matrix[b]).sum(axis=1)).ravel()
            out[lo : lo + _CHUNK] = _ratio(shared, self.totals[a] + self.totals[b])
        return out

    def dense(self, members: np.ndarray) -> np.ndarray:
        """All-pairs weighted dice among ``members`` (diagonal 1), as a dense matrix."""
        members = np.asarray(members, dtype=np.int64)
        sub = self.matrix[members]
        cols = np.unique(sub.indices)
        block = sub[:, cols].toarray()
        m = len(members)
        out = np.empty((m, m), dtype=np.float64)
        # Row chunks keep the (rows, m, stems) temporary under ~64 MB.
        step = max(1, int(8_000_000 // max(1, m * len(cols))))
        for lo in range(0, m, step):
            shared = np.minimum(block[lo : lo + step, None, :], block[None, :, :]).sum(axis=2)
            totals = self.totals[members[lo : lo + step], None] + self.totals[members][None, :]
            out[lo : lo + step] = _ratio(shared, totals)
        np.fill_diagonal(out, 1.0)
        return out


def _ratio(shared: np.ndarray, totals: np.ndarray) -> np.ndarray:
    safe = np.where(totals > 0, totals, 1.0)
    return np.where(totals > 0, 2.0 * shared / safe, 0.0)
