"""Frozen result types that cross module boundaries.

Every record has ``to_dict()`` returning plain JSON-ready data; the JSON output of the
CLI is exactly these dicts, so renaming a field here changes the documented schema.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Level = Literal["paragraph", "sentence"]
Status = Literal["template", "reused", "novel"]


class _Record:
    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (lists, dicts, str, int, float, None) for JSON."""
        return asdict(self)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Article(_Record):
    """One news article as ingested.

    ``id`` is given by the input or derived from a hash of the normalized text, so the
    same article read twice gets the same id.
    """

    id: str
    text: str
    date: str | None = None
    source: str | None = None
    title: str | None = None
    origin: str | None = None  # where it was read from (path, "path:line", "<stdin>")


@dataclass(frozen=True)
class Passage(_Record):
    """A paragraph or a sentence of an article, with character offsets into ``Article.text``."""

    article_id: str
    level: Level
    index: int  # position among passages of the same level in the article
    paragraph: int  # index of the paragraph it belongs to (itself for paragraphs)
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Segmented(_Record):
    """An article split into paragraphs and sentences."""

    article: Article
    paragraphs: tuple[Passage, ...]
    sentences: tuple[Passage, ...]

    @property
    def passages(self) -> tuple[Passage, ...]:
        return self.paragraphs + self.sentences


@dataclass(frozen=True)
class Match(_Record):
    """A stored passage similar to a query passage."""

    passage_id: int
    article_id: str
    level: Level
    text: str
    similarity: float  # combined semantic + lexical match score in [0, 1]
    start: int = 0
    end: int = 0
    cosine: float = 0.0  # embedding cosine alone
    date: str | None = None
    source: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Span(_Record):
    """Character span ``[start, end)`` in the article text."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class PassageResult(_Record):
    """The verdict on one passage of a compared article."""

    passage: Passage
    status: Status
    novelty: float  # 0 = seen verbatim before, 1 = nothing like it in the corpus
    template_id: int | None = None
    source_article: str | None = None  # for "reused": the article it was copied from
    matches: tuple[Match, ...] = ()
    novel_spans: tuple[Span, ...] = ()


@dataclass(frozen=True)
class TemplateMember(_Record):
    passage_id: int
    article_id: str
    text: str
    similarity: float  # to the template's canonical passage
    date: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Template(_Record):
    """A recurring formula mined from the corpus."""

    id: int
    level: Level
    kind: Literal["formula", "chrome"]
    text: str  # canonical text: the medoid member
    slot_form: str  # canonical text with varying names/dates/numbers replaced by ``{…}``
    support: int  # distinct stories (near-duplicate groups) it appears in
    articles: int  # distinct articles it appears in
    sources: tuple[str, ...]
    first_seen: str | None
    last_seen: str | None
    members: tuple[TemplateMember, ...] = ()


@dataclass(frozen=True)
class TemplateUse(_Record):
    template_id: int
    slot_form: str
    passages: int  # how many passages of the compared article matched it


@dataclass(frozen=True)
class ArticleMatch(_Record):
    """An earlier article close to the compared one (a near-duplicate candidate)."""

    article_id: str
    similarity: float
    date: str | None = None
    source: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class CompareReport(_Record):
    """Everything ``compare`` found about one article."""

    article: Article
    novelty: float  # share of the article's characters that are novel
    counts: dict[str, int] = field(default_factory=dict)
    paragraphs: tuple[PassageResult, ...] = ()
    sentences: tuple[PassageResult, ...] = ()
    templates: tuple[TemplateUse, ...] = ()
    nearest: tuple[ArticleMatch, ...] = ()

    @property
    def passages(self) -> tuple[PassageResult, ...]:
        return self.paragraphs + self.sentences


@dataclass(frozen=True)
class DuplicatePair(_Record):
    a: str
    b: str
    score: float


@dataclass(frozen=True)
class DuplicateGroup(_Record):
    """Articles that tell the same story (near-duplicates), with pairwise scores."""

    articles: tuple[str, ...]
    pairs: tuple[DuplicatePair, ...]


@dataclass(frozen=True)
class AddResult(_Record):
    """Summary of one ``Corpus.add`` call."""

    added: int
    skipped: int  # already in the store
    passages: int
    embedded: int  # texts that went through the model
    cached: int  # texts whose vectors came from the cache
    skipped_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoreStats(_Record):
    path: str
    articles: int
    paragraphs: int
    sentences: int
    vectors: int
    templates: int
    model: str
    model_fingerprint: str
    dimension: int
    index_kind: str
    format_version: int
    size_bytes: int
