"""How semantic and lexical similarity combine into one match score.

Kept in one place so that mining, comparing and the benchmarks agree on what "a match" is.
The defaults were chosen on the seeds and the generated benchmark corpus (see README,
"How thresholds were chosen").
"""

from __future__ import annotations

import numpy as np

# A passage matches a stored one when (cosine + weighted word containment) / 2 reaches this.
DEFAULT_THRESHOLD = 0.62


def combine(semantic, lexical):  # noqa: ANN001, ANN201 - floats or arrays alike
    """Match score in [0, 1] from cosine similarity and lexical containment."""
    if isinstance(semantic, float) and isinstance(lexical, float):  # the per-candidate path
        return 0.5 * (min(1.0, max(0.0, semantic)) + min(1.0, max(0.0, lexical)))
    return 0.5 * (np.clip(semantic, 0.0, 1.0) + np.clip(lexical, 0.0, 1.0))
