"""The entry class: a corpus of articles in a store, with its embedding model.

``Corpus`` wires the stages together: ingest → embed → store → mining → judge → learn. It
holds no algorithm of its own; adding (``_adding``) and templates (``_templates``) are
its mixins, opening and comparing are here.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..embed import (
    BUNDLED_MODEL_NAME,
    DEFAULT_BACKEND,
    Embedder,
    article_vector,
    load_embedder,
    text_key,
)
from ..errors import InputError
from ..ingest import article_from_text, looks_like_path, read_articles, segment
from ..judge import (
    Candidate,
    JudgeSettings,
    article_novelty,
    judge,
    score_candidates,
    to_match,
)
from ..learn import apply_learned
from ..records import (
    Article,
    ArticleMatch,
    CompareReport,
    Match,
    Passage,
    PassageResult,
    Segmented,
    StoreStats,
    Template,
    TemplateUse,
)
from ..store import Store, store_exists
from ._adding import PASSAGE_LEVELS, Adding
from ._templates import Templates
from ._verdicts import Verdicts

STORE_ENV = "PROTOCOL_MATCH_STORE"
# Nearest stored passages weighed per passage (the verdict model was fitted with as many).
CANDIDATES = 50
# Below this many stories the verdict model's story profile is mostly empty (it was fitted on
# corpora of about a hundred articles): the plain match rule decides instead.
SMALL_CORPUS = 10


def default_store_path() -> Path:
    """``$PROTOCOL_MATCH_STORE`` if set, else ``./embeddings``."""
    return Path(os.environ.get(STORE_ENV) or "embeddings")


class Corpus(Adding, Templates, Verdicts):
    """A store of indexed articles plus the model that embedded them.

    >>> corpus = Corpus.open("embeddings/")          # doctest: +SKIP
    >>> report = corpus.compare("BAKU ... text")      # doctest: +SKIP
    >>> report.novelty                                # doctest: +SKIP
    """

    def __init__(self, store: Store, model: str | Path | None = None, device: str | None = None):
        self.store = store
        self._model_arg = model
        self._device = device
        self._embedder: Embedder | None = None
        # (stamp, with members, templates, passage -> template)
        self._template_cache: tuple[str, bool, list[Template], dict[int, int]] | None = None
        self._stories_cache: tuple[str, dict[str, str]] | None = None
        self._index_saved_at = 0.0  # monotonic time of the last index save during add()
        self._verdict_model_arg: str | Path | None = None
        self._verdict_model = None
        self._grams_cache = None
        self._tfidf_vectors = None

    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        *,
        model: str | Path | None = None,
        create: bool = False,
        index_kind: str = "auto",
        device: str | None = None,
        backend: str | None = None,
        verdict_model: str | Path | None = None,
    ) -> Corpus:
        """Open the store at ``path`` (default: ``default_store_path()``).

        With ``create=True`` a missing store is created for ``model`` (default: the bundled
        all-MiniLM-L6-v2) run by ``backend`` (default "static": a model2vec model distilled
        from it once per machine, ~100x faster and as accurate on real news; "torch" for the
        full model; see ``embed.load_embedder``). An existing store refuses a ``model``
        or ``backend`` other than its own. ``verdict_model``: a verdict model file (JSON, as
        written by ``benchmarks/fit_verdicts.py``) instead of the one shipped with the package.
        """
        corpus = cls._open(path, model, create, index_kind, device, backend)
        corpus._verdict_model_arg = verdict_model
        return corpus

    @classmethod
    def _open(
        cls,
        path: str | Path | None,
        model: str | Path | None,
        create: bool,
        index_kind: str,
        device: str | None,
        backend: str | None,
    ) -> Corpus:
        path = Path(path) if path is not None else default_store_path()
        if create and not store_exists(path):
            backend = backend or DEFAULT_BACKEND
            embedder = load_embedder(model, device=device, backend=backend)
            store = Store.create(
                path,
                model=embedder.name,
                fingerprint=embedder.fingerprint,
                dimension=embedder.dimension,
                index_kind=index_kind,
                backend=backend,
            )
            corpus = cls(store, model, device)
            corpus._embedder = embedder
            return corpus
        store = Store.open(path)
        if model is not None or (backend is not None and backend != store.meta.backend):
            embedder = load_embedder(model, device=device, backend=backend or store.meta.backend)
            store.check_model(embedder.name, embedder.fingerprint)
            corpus = cls(store, model, device)
            corpus._embedder = embedder
            return corpus
        return cls(store, None, device)

    @classmethod
    def build(
        cls,
        paths: Iterable[str | Path],
        store: str | Path | None = None,
        *,
        model: str | Path | None = None,
        **read_options: Any,
    ) -> Corpus:
        """Create (or extend) a store from files/folders and return it."""
        corpus = cls.open(store, model=model, create=True)
        corpus.add(list(paths), **read_options)
        return corpus

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def requested_model(self) -> str | Path | None:
        """The ``model`` given to :meth:`open` (None: the one the store records)."""
        return self._model_arg

    @property
    def embedder(self) -> Embedder:
        """The store's model, loaded on first use."""
        if self._embedder is None:
            model = self._model_arg
            recorded = self.store.meta.model.split("+")[0]  # fast backends append "+kind"
            if model is None and recorded != BUNDLED_MODEL_NAME:
                model = recorded  # a local path recorded at creation
            embedder = load_embedder(model, device=self._device, backend=self.store.meta.backend)
            self.store.check_model(embedder.name, embedder.fingerprint)
            self._embedder = embedder
        return self._embedder

    def compare(
        self,
        text: str | Path | Article,
        *,
        add: bool = False,
        min_support: int | None = None,
        threshold: float | None = None,
        k: int = CANDIDATES,
        nearest: int = 5,
    ) -> CompareReport:
        """Judge every paragraph and sentence of an article against the corpus.

        ``text`` is an article's text, a path to a file, or an ``Article``. An article that
        is already in the store is compared with the others, never with itself. ``k``
        nearest stored passages of each passage are weighed. With ``add=True`` the article
        is indexed afterwards.
        """
        if k < 1:
            raise ValueError("k must be at least 1")
        article = self._one_article(text)
        seg = segment(article)
        if not seg.paragraphs:
            raise InputError("The article has no text to compare.")
        templates = self.templates_for_compare(min_support, threshold)
        params = self.params(min_support, threshold)
        stories = self.stories()
        vectors, near, own, levels = self._judging_inputs(article, seg, k, nearest)
        model = self.verdict_model
        small = self.store.count("article") - len(stories) < SMALL_CORPUS  # stories, not copies
        results: dict[str, tuple[PassageResult, ...]] = {}
        cands_by_level: dict[str, list[list[Candidate]]] = {}
        for level, (passages, cands, scored, rows) in levels.items():
            cands_by_level[level] = cands
            level_model = model.level(level)
            probs = level_model.probability(rows)
            settings = JudgeSettings(
                params["threshold"],
                params["min_support"],
                boilerplate_threshold=level_model.threshold,
                small_corpus=small,
            )
            results[level] = tuple(
                judge(
                    p,
                    c,
                    boilerplate=float(pb),
                    template_of=templates[1],
                    story_of=stories,
                    settings=settings,
                    scored=sc,
                    own=own,
                )
                for p, c, sc, pb in zip(passages, cands, scored, probs, strict=True)
            )
        # The user's labels and template verdicts (``learn``); a no-op without them.
        results = apply_learned(self, results, cands_by_level, vectors, len(seg.paragraphs))
        sentences = results["sentence"]
        paragraphs = results["paragraph"]
        report = CompareReport(
            article=article,
            novelty=article_novelty(sentences),
            counts=dict(Counter(r.status for r in sentences)),
            paragraphs=paragraphs,
            sentences=sentences,
            templates=_template_uses(paragraphs + sentences, templates[0]),
            nearest=near[:nearest] if nearest > 0 else (),
        )
        if add:
            self.add([article])
        return report

    def verdict_features(
        self, text: str | Path | Article, *, k: int = CANDIDATES
    ) -> dict[str, tuple[tuple[Passage, ...], np.ndarray]]:
        """The verdict model's input for each paragraph and sentence of an article: level ->
        (passages, feature rows in ``judge.FEATURES`` order). For fitting a model to
        labelled passages (``benchmarks/fit_verdicts.py``)."""
        article = self._one_article(text)
        seg = segment(article)
        self.templates_for_compare(None, None)
        _, _, _, levels = self._judging_inputs(article, seg, k, 5)
        return {lv: (tuple(p), rows) for lv, (p, _, _, rows) in levels.items()}

    def _judging_inputs(self, article: Article, seg: Segmented, k: int, nearest: int):  # noqa: ANN202
        """Vectors, nearest articles, the stories that are the article's own, and per level:
        passages, candidates, scored candidates and feature rows."""
        stories = self.stories()
        vectors, _, _ = self._vectors_for([seg])
        # An article already in the store is compared with the others, never with itself.
        stored = bool(self.store.existing_ids([article.id]))
        own_id = article.id if stored else None
        near = self._nearest_articles(seg, vectors, max(nearest, 5), exclude=article.id)
        own = self.own_stories(article.id, stored, stories, near)
        levels = {}
        for level in PASSAGE_LEVELS:
            passages = seg.paragraphs if level == "paragraph" else seg.sentences
            qv = np.stack([vectors[text_key(p.text)] for p in passages]).astype(np.float32)
            cands = self.candidates(level, qv, k, exclude=own_id)
            scored = [score_candidates(p.text, c) for p, c in zip(passages, cands, strict=True)]
            rows = self.feature_rows(level, passages, scored, stories, own, len(seg.paragraphs))
            levels[level] = (passages, cands, scored, rows)
        return vectors, near, own, levels

    def _one_article(self, text: str | Path | Article) -> Article:
        if isinstance(text, Article):
            return text
        if isinstance(text, Path) or (isinstance(text, str) and looks_like_path(text)):
            found = list(read_articles([text]))
            if len(found) != 1:
                raise InputError(f"{text} holds {len(found)} articles; compare takes one.")
            return found[0]
        if not isinstance(text, str):
            raise ValueError("compare() takes article text, a path or an Article")
        return article_from_text(text)

    def candidates(
        self, level: str, queries: np.ndarray, k: int, exclude: str | None
    ) -> list[list[Candidate]]:
        """The ``k`` nearest stored passages of ``level`` for each query vector, leaving out
        the passages of article ``exclude``."""
        index = self.store.index(level)
        if len(index) == 0:
            return [[] for _ in range(len(queries))]
        # Ask for extra neighbours when ``exclude`` (a stored article) has passages to drop;
        # a new article needs none (fetching them cost a third of a compare).
        sims, ids = index.search(queries, min(len(index), k + 40 if exclude else k))
        rows = self.store.passages([int(i) for i in np.unique(ids) if i >= 0])
        out = []
        for qs, qi in zip(sims, ids, strict=True):
            cands = []
            for sim, pid in zip(qs, qi, strict=True):
                row = rows.get(int(pid))
                if row is None or row.article_id == exclude:
                    continue
                cands.append(
                    Candidate(
                        row.id,
                        row.article_id,
                        row.level,
                        row.text,
                        float(sim),
                        row.start,
                        row.end,
                        row.date,
                        row.source,
                        row.title,
                    )
                )
                if len(cands) >= k:
                    break
            out.append(cands)
        return out

    def _nearest_articles(
        self, seg: Segmented, vectors: dict[str, np.ndarray], n: int, exclude: str
    ) -> tuple[ArticleMatch, ...]:
        index = self.store.index("article")
        if n < 1 or len(index) == 0:
            return ()
        doc = article_vector(seg, vectors)[None, :]
        sims, ids = index.search(doc, min(len(index), n + 1))
        by_rowid = self.store.articles_by_rowid([int(r) for r in ids[0] if r >= 0])
        out = []
        for sim, rid in zip(sims[0], ids[0], strict=True):
            art = by_rowid.get(int(rid))
            if art is None or art.id == exclude:
                continue
            out.append(ArticleMatch(art.id, round(float(sim), 4), art.date, art.source, art.title))
        return tuple(out[:n])

    def similar(self, text: str, *, k: int = 10, level: str = "sentence") -> list[Match]:
        """The stored passages nearest to ``text`` (best first)."""
        if level not in PASSAGE_LEVELS:
            raise ValueError(f"level must be one of {PASSAGE_LEVELS}")
        if not text.strip():
            raise ValueError("text is empty")
        vec = self.embedder.encode([text])
        cands = self.candidates(level, vec, k, exclude=None)[0]
        return [to_match(s, c) for s, c in score_candidates(text, cands)]

    def stats(self) -> StoreStats:
        """What the store holds."""
        meta = self.store.meta
        return StoreStats(
            path=str(self.store.path),
            articles=self.store.count("article"),
            paragraphs=self.store.count("paragraph"),
            sentences=self.store.count("sentence"),
            vectors=self.store.count_vectors(),
            templates=len(self.store.load_templates()),
            model=meta.model,
            model_fingerprint=meta.fingerprint,
            dimension=meta.dimension,
            index_kind=meta.index_kind,
            format_version=meta.format_version,
            size_bytes=self.store.size_bytes(),
        )


def novelty_scores(text: str | Path | Article, corpus: Corpus) -> list[float]:
    """One novelty score in [0, 1] per paragraph of ``text`` (1 = nothing like it seen)."""
    return [p.novelty for p in corpus.compare(text).paragraphs]


def _template_uses(results: Sequence[PassageResult], templates: list[Template]) -> tuple:
    by_id = {t.id: t for t in templates}
    counts = Counter(r.template_id for r in results if r.template_id is not None)
    return tuple(
        TemplateUse(tid, by_id[tid].slot_form if tid in by_id else "", n)
        for tid, n in counts.most_common()
    )
