"""The entry class: ``Corpus``, a store of indexed articles plus the model that embedded them.

Wires the stages together: ``add`` reads, segments, embeds (taking stored vectors where it
can) and writes to the store; ``templates`` mines and caches; ``compare`` retrieves each
passage's nearest stored passages and has them judged, then applies what the user taught.
``novelty_scores`` is the one-call form of ``compare``.
"""

from ._adding import INDEX_SAVE_EVERY_S, PASSAGE_LEVELS
from ._corpus import STORE_ENV, Corpus, default_store_path, novelty_scores
from ._templates import DEFAULT_MIN_SUPPORT

__all__ = [
    "DEFAULT_MIN_SUPPORT",
    "INDEX_SAVE_EVERY_S",
    "PASSAGE_LEVELS",
    "STORE_ENV",
    "Corpus",
    "default_store_path",
    "novelty_scores",
]
