"""Learning the user's beat: labels, template verdicts, and a model that overrides verdicts.

Similarity alone mistakes same-beat content for boilerplate, so analysts label passages and
confirm, reject or name mined templates (``_labels``, ``_curation``; stored in the store's
own tables). From them a calibrated classifier over per-passage features (``_features``,
``_model``) is fitted when first needed and overrides ``compare``'s unsupervised verdict
where it is confident (``_apply``); ``_review`` proposes the passages whose labels would
help most. Learning sees the corpus only through the :class:`CorpusView` protocol
(``_view``), which ``protocol_match.Corpus`` satisfies: it sits below the entry class.
"""

from ._apply import CONFIDENT, apply_learned, curated, has_teaching, passage_probabilities
from ._curation import curate_templates, curation_labels, template_names
from ._features import FEATURES, grams, ngram_frequencies, passage_features
from ._labels import (
    CURATION_ACTIONS,
    LABEL_KINDS,
    Curation,
    Label,
    LabelKind,
    cache_vectors,
    labels_stamp,
    load_curations,
    load_labels,
    parse_label_lines,
    read_label_file,
    save_curation,
    save_labels,
    write_label_file,
)
from ._model import (
    MIN_PER_CLASS,
    Explanation,
    explaining,
    fit_labels,
    fit_model,
    label_vectors,
    last_explanations,
    predict,
)
from ._review import ReviewItem, propose
from ._view import CorpusView

__all__ = [
    "CONFIDENT",
    "CURATION_ACTIONS",
    "FEATURES",
    "LABEL_KINDS",
    "MIN_PER_CLASS",
    "CorpusView",
    "Curation",
    "Explanation",
    "Label",
    "LabelKind",
    "ReviewItem",
    "apply_learned",
    "cache_vectors",
    "curate_templates",
    "curated",
    "curation_labels",
    "explaining",
    "fit_labels",
    "fit_model",
    "grams",
    "has_teaching",
    "label_vectors",
    "labels_stamp",
    "last_explanations",
    "load_curations",
    "load_labels",
    "ngram_frequencies",
    "parse_label_lines",
    "passage_features",
    "passage_probabilities",
    "predict",
    "propose",
    "read_label_file",
    "save_curation",
    "save_labels",
    "template_names",
    "write_label_file",
]
