"""The entry class: a corpus of articles in a store, with its embedding model.

``Corpus`` wires the pure modules together: ingest → segment → embed → store/index →
mine templates → compare. It holds no algorithm of its own.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .embed import BUNDLED_MODEL_NAME, Embedder, article_vector, load_embedder, text_key
from .errors import InputError, StoreLockedError
from .ingest import article_from_text, read_articles, segment
from .judge import (
    Candidate,
    JudgeSettings,
    apply_clause,
    article_novelty,
    judge,
    merge_paragraphs,
    score_candidates,
    to_match,
)
from .learn import apply_learned, curated, load_curations
from .mining import (
    DEFAULT_DUPLICATE_THRESHOLD,
    ClauseTable,
    ProgressFn,
    best_hit,
    mine_store,
    read_templates,
    store_duplicates,
    stored_clause_table,
)
from .records import (
    AddResult,
    Article,
    ArticleMatch,
    CompareReport,
    DuplicateGroup,
    Match,
    PassageResult,
    Segmented,
    StoreStats,
    Template,
    TemplateUse,
)
from .scoring import DEFAULT_THRESHOLD
from .store import Store, store_exists

log = logging.getLogger(__name__)

STORE_ENV = "PROTOCOL_MATCH_STORE"
DEFAULT_MIN_SUPPORT = 3
PASSAGE_LEVELS = ("paragraph", "sentence")
# A bulk add rewrites the index files at most this often (and once at the end): each save
# writes the whole index, so saving every batch made a 1M-passage build quadratic.
INDEX_SAVE_EVERY_S = 30.0
# Progress callback: (stage, items just done, total items in the stage or 0 if unknown).


def default_store_path() -> Path:
    """``$PROTOCOL_MATCH_STORE`` if set, else ``./embeddings``."""
    return Path(os.environ.get(STORE_ENV) or "embeddings")


class Corpus:
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

    # ----------------------------------------------------------------- opening
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
    ) -> Corpus:
        """Open the store at ``path`` (default: ``default_store_path()``).

        With ``create=True`` a missing store is created for ``model`` (default: the bundled
        all-MiniLM-L6-v2) run by ``backend`` (default "torch"; "static" for ~100x faster
        bulk indexing, see ``embed.load_embedder``). An existing store refuses a ``model``
        or ``backend`` other than its own.
        """
        path = Path(path) if path is not None else default_store_path()
        if create and not store_exists(path):
            embedder = load_embedder(model, device=device, backend=backend or "torch")
            store = Store.create(
                path,
                model=embedder.name,
                fingerprint=embedder.fingerprint,
                dimension=embedder.dimension,
                index_kind=index_kind,
                backend=backend or "torch",
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

    # ----------------------------------------------------------------- adding
    def add(
        self,
        items: Iterable[str | Path | Article],
        *,
        progress: ProgressFn | None = None,
        batch_size: int = 256,
        wait: bool = True,
        **read_options: Any,
    ) -> AddResult:
        """Index articles: paths (files, folders, "-"), ``Article`` objects or article texts.

        Articles already in the store are skipped. Each batch of ``batch_size`` articles is
        committed in one transaction, so an interruption keeps every finished batch.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        totals = Counter()
        skipped_ids: list[str] = []
        with self.store.write_lock(wait=wait):
            self._index_saved_at = time.monotonic()
            batch: list[Article] = []
            for article in self._articles(items, read_options):
                batch.append(article)
                if len(batch) >= batch_size:
                    self._add_batch(batch, totals, skipped_ids, progress)
                    batch = []
            if batch:
                self._add_batch(batch, totals, skipped_ids, progress)
            self.store.save_indexes()
        self._template_cache = None
        return AddResult(
            added=totals["added"],
            skipped=totals["skipped"],
            passages=totals["passages"],
            embedded=totals["embedded"],
            cached=totals["cached"],
            skipped_ids=tuple(skipped_ids),
        )

    def _articles(self, items: Iterable[str | Path | Article], read_options: dict):  # noqa: ANN202
        if isinstance(items, (str, Path, Article)):
            items = [items]
        paths: list[str | Path] = []
        for item in items:
            if isinstance(item, Article):
                yield item
            elif isinstance(item, Path) or item == "-" or _looks_like_path(item):
                paths.append(item)
            else:
                yield article_from_text(item)
        if paths:
            yield from read_articles(paths, **read_options)

    def _add_batch(
        self,
        batch: list[Article],
        totals: Counter,
        skipped_ids: list[str],
        progress: ProgressFn | None,
    ) -> None:
        known = self.store.existing_ids(a.id for a in batch)
        fresh: dict[str, Article] = {}
        for a in batch:
            if a.id in known or a.id in fresh:
                totals["skipped"] += 1
                skipped_ids.append(a.id)
            else:
                fresh[a.id] = a
        if not fresh:
            if progress:
                progress("index", len(batch), 0)
            return
        segs = [segment(a) for a in fresh.values()]
        vectors, n_embedded, n_cached = self._vectors_for(segs)
        items = []
        for seg in segs:
            doc_key = "doc:" + text_key(seg.article.text)
            vectors[doc_key] = article_vector(seg, vectors)
            items.append((seg, doc_key))
        before = self.store.max_article_rowid()
        totals["added"] += self.store.add(items, vectors)
        totals["passages"] += sum(len(s.passages) for s in segs)
        totals["embedded"] += n_embedded
        totals["cached"] += n_cached
        self._extend_indexes(before, vectors)
        if time.monotonic() - self._index_saved_at >= INDEX_SAVE_EVERY_S:
            self.store.save_indexes()
            self._index_saved_at = time.monotonic()
        if progress:
            progress("index", len(batch), 0)

    def _vectors_for(self, segs: Sequence[Segmented]) -> tuple[dict[str, np.ndarray], int, int]:
        """Vectors for every passage text, from the cache where possible."""
        texts = {text_key(p.text): p.text for s in segs for p in s.passages}
        vectors = self.store.vectors_for_keys(texts)
        missing = [k for k in texts if k not in vectors]
        if missing:
            embedded = self.embedder.encode([texts[k] for k in missing])
            vectors.update(zip(missing, embedded, strict=True))
        return vectors, len(missing), len(texts) - len(missing)

    def _extend_indexes(self, before_rowid: int, vectors: dict[str, np.ndarray]) -> None:
        rows = self.store.new_passages(before_rowid)
        for level in PASSAGE_LEVELS:
            sel = [(pid, key) for pid, lvl, key in rows if lvl == level]
            if sel:
                ids = np.asarray([pid for pid, _ in sel], dtype=np.int64)
                vecs = np.stack([vectors[key] for _, key in sel]).astype(np.float32)
                self.store.extend_index(level, ids, vecs, save=False)
        docs = self.store.new_articles(before_rowid)
        if docs:
            ids = np.asarray([r for r, _ in docs], dtype=np.int64)
            vecs = np.stack([vectors[k] for _, k in docs]).astype(np.float32)
            self.store.extend_index("article", ids, vecs, save=False)

    # ----------------------------------------------------------------- comparing
    def compare(
        self,
        text: str | Path | Article,
        *,
        add: bool = False,
        min_support: int | None = None,
        threshold: float | None = None,
        k: int = 20,
        nearest: int = 5,
    ) -> CompareReport:
        """Judge every paragraph and sentence of an article against the corpus.

        ``text`` is an article's text, a path to a file, or an ``Article``. An article that
        is already in the store is compared with the others, never with itself. With
        ``add=True`` the article is indexed afterwards.
        """
        if k < 1:
            raise ValueError("k must be at least 1")
        article = self._one_article(text)
        seg = segment(article)
        if not seg.paragraphs:
            raise InputError("The article has no text to compare.")
        templates = self.templates_for_compare(min_support, threshold)
        params = self.params(min_support, threshold)
        settings = JudgeSettings(params["threshold"], params["min_support"])
        stories = self.stories()
        vectors, _, _ = self._vectors_for([seg])
        # An article already in the store is compared with the others, never with itself.
        own = article.id if self.store.existing_ids([article.id]) else None
        results: dict[str, tuple[PassageResult, ...]] = {}
        cands_by_level: dict[str, list[list[Candidate]]] = {}
        for level in PASSAGE_LEVELS:
            passages = seg.paragraphs if level == "paragraph" else seg.sentences
            qv = np.stack([vectors[text_key(p.text)] for p in passages]).astype(np.float32)
            cands = self.candidates(level, qv, k, exclude=own)
            cands_by_level[level] = cands
            results[level] = tuple(
                judge(p, c, template_of=templates[1], story_of=stories, settings=settings)
                for p, c in zip(passages, cands, strict=True)
            )
        # Formula clauses glued to new facts: looked up by their words, not their vectors.
        clauses = self._clause_table()
        results["sentence"] = tuple(
            apply_clause(
                r,
                best_hit(
                    clauses.hits(r.passage.text, exclude=article.id),
                    settings.min_support,
                ),
            )
            for r in results["sentence"]
        )
        # The user's labels and template verdicts (learn.py); a no-op without them.
        results = apply_learned(self, results, cands_by_level, vectors, len(seg.paragraphs))
        sentences = results["sentence"]
        paragraphs = merge_paragraphs(results["paragraph"], sentences)
        report = CompareReport(
            article=article,
            novelty=article_novelty(sentences),
            counts=dict(Counter(r.status for r in sentences)),
            paragraphs=paragraphs,
            sentences=sentences,
            templates=_template_uses(paragraphs + sentences, templates[0]),
            nearest=self._nearest_articles(seg, vectors, nearest, exclude=article.id),
        )
        if add:
            self.add([article])
        return report

    def _one_article(self, text: str | Path | Article) -> Article:
        if isinstance(text, Article):
            return text
        if isinstance(text, Path) or (isinstance(text, str) and _looks_like_path(text)):
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

    # ----------------------------------------------------------------- templates
    def params(self, min_support: int | None, threshold: float | None) -> dict:
        """Mining parameters: the given ones, else those of the last mining, else defaults."""
        stored = json.loads(self.store.get_meta("template_params") or "{}")
        return {
            "min_support": int(min_support or stored.get("min_support") or DEFAULT_MIN_SUPPORT),
            "threshold": float(threshold or stored.get("threshold") or DEFAULT_THRESHOLD),
        }

    def _templates_fresh(self, params: dict) -> bool:
        stored = json.loads(self.store.get_meta("template_params") or "{}")
        at = self.store.get_meta("templates_at_count")
        fresh = stored == params and at == str(self.store.count("article"))
        # A store mined before the clause table existed is mined again once.
        return fresh and self.store.has_clauses()

    def templates(
        self,
        min_support: int | None = None,
        threshold: float | None = None,
        *,
        refresh: bool = False,
        progress: ProgressFn | None = None,
        wait: bool = True,
    ) -> list[Template]:
        """The corpus's templates, mined again when the corpus or the parameters changed.

        With ``wait=False`` and another process writing the store, the templates mined
        before it started are returned instead of waiting for the lock.
        """
        params = self.params(min_support, threshold)
        if params["min_support"] < 2:
            raise ValueError("min_support must be at least 2")
        if refresh or not self._templates_fresh(params):
            try:
                with self.store.write_lock(wait=wait):
                    self._mine(params, progress)
            except StoreLockedError:
                if refresh or wait:
                    raise
                log.info("store is being written; using the templates mined so far")
            self._template_cache = None
        return curated(self, *self.load_templates())[0]

    def templates_for_compare(
        self, min_support: int | None, threshold: float | None
    ) -> tuple[list[Template], dict[int, int]]:
        """Templates and the passage -> template map as ``compare`` uses them: mined first
        when stale (without waiting for a writer), the user's verdicts applied."""
        params = self.params(min_support, threshold)
        if not self._templates_fresh(params):
            self.templates(**params, wait=False)
        # Template verdicts match templates by their members' texts; without any (the usual
        # case) the members are not read and there is nothing to curate.
        if not load_curations(self.store):
            return self.load_templates(members=False)
        return curated(self, *self.load_templates())

    def stories(self) -> dict[str, str]:
        """Article -> story map saved by the last mining, cached with the templates."""
        stamp = self.store.get_meta("templates_at_count") or ""
        if self._stories_cache is None or self._stories_cache[0] != stamp:
            self._stories_cache = (stamp, self.store.stories())
        return self._stories_cache[1]

    def _clause_table(self) -> ClauseTable:
        """The recurring-clause table saved by the last mining, read key by key."""
        return stored_clause_table(self.store)

    def load_templates(self, *, members: bool = True) -> tuple[list[Template], dict[int, int]]:
        """Stored templates and the passage -> template map. ``members=False`` leaves each
        template's member list empty: compare needs only the map, and reading every
        member's text costs seconds on a large store."""
        stamp = (self.store.get_meta("templates_at_count") or "") + (
            self.store.get_meta("template_params") or ""
        )
        cache = self._template_cache
        # A load with members also serves a lite request.
        if cache is None or cache[0] != stamp or (members and not cache[1]):
            cache = (stamp, members, *read_templates(self.store, members=members))
            self._template_cache = cache
        return cache[2], cache[3]

    _load_templates = load_templates  # its former name, which tests/test_teach.py still reaches

    def forget_templates(self) -> None:
        """Drop the cached templates (after the store was written by other code)."""
        self._template_cache = None

    def _mine(self, params: dict, progress: ProgressFn | None) -> None:
        mine_store(self.store, self.duplicates(), params, progress)

    # ----------------------------------------------------------------- duplicates
    def duplicates(
        self, threshold: float = DEFAULT_DUPLICATE_THRESHOLD, *, k: int = 10
    ) -> list[DuplicateGroup]:
        """Groups of near-duplicate articles (same story, other outlet), with pair scores."""
        return store_duplicates(self.store, threshold, k=k)

    # ----------------------------------------------------------------- stats
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


def _looks_like_path(item: str) -> bool:
    """A string naming a file or folder rather than holding an article's text.

    Existing paths, and short strings without spaces that end in a known extension or
    contain a slash (so a mistyped path fails as "not found" instead of being indexed as
    an article reading "new.txt").
    """
    if "\n" in item or len(item) > 4096 or not item.strip():
        return False
    if Path(item).exists():
        return True
    return " " not in item.strip() and (
        "/" in item or item.lower().endswith((".txt", ".jsonl", ".csv"))
    )
