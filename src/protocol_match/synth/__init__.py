"""The labeled synthetic corpus generator: defence-ministry news with ground truth.

Not part of the product (nothing under ``protocol_match`` imports it; an import-linter
contract keeps it so): tests, benchmarks and ``python -m protocol_match.synth`` use it to
build corpora whose every sentence is labelled formula, chrome or novel, with syndicated
copies, sibling stories and, on request, hard near-duplicates (retellings and twin events).

Modules: ``_corpus`` (``generate_corpus``, ``SynthCorpus``, writing), ``_story`` (story plans),
``_language`` (template language, spelling, noise), ``_fills`` (slot fills), ``_outlet``
(chrome and rendering per outlet), ``_retell`` (hard duplicates), ``_bank`` (the phrase
tables: data), ``_cli`` (the command line).
"""

from ._cli import main
from ._corpus import FAMILIES, SentenceLabel, SynthCorpus, generate_corpus, write_corpus
from ._language import NOISE_LEVELS

__all__ = [
    "FAMILIES",
    "NOISE_LEVELS",
    "SentenceLabel",
    "SynthCorpus",
    "generate_corpus",
    "main",
    "write_corpus",
]
