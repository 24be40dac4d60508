"""What the pages and endpoints show, computed on a worker's ``Corpus``: the article list,
one article compared (with the user's labels shown), a template in detail, teaching.

Every function takes the corpus first and returns plain data or records; the HTML and JSON
forms are made from them (``_pages``, ``_routes``).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import replace
from typing import Any

from ..embed import text_key
from ..errors import InputError, StoreLockedError
from ..judge import article_novelty
from ..learn import (
    Label,
    fit_labels,
    load_curations,
    load_labels,
    save_curation,
    save_labels,
    template_names,
)
from ..records import Article, CompareReport, PassageResult, Template
from ..watch import fill_counts, wording_variants

_local = threading.local()
LABEL_WAIT_S = 10.0  # how long a label waits for a running `index` before saying so
ARTICLES_SHOWN = 500  # articles listed on a template's page


class Busy(Exception):
    """The store is being written by another process (``index``): try again shortly."""


def stamp(corpus: Any) -> str:
    """Changes whenever articles, the mined templates, labels or verdicts change."""
    s = corpus.store
    return "|".join(
        [
            str(s.max_article_rowid()),
            s.get_meta("templates_at_count") or "",
            s.get_meta("template_params") or "",
            s.labels_stamp(),
        ]
    )


# ------------------------------------------------------------------ one article
def with_labels(corpus: Any, report: CompareReport) -> tuple[CompareReport, dict[int, str]]:
    """The report with every sentence the user labelled showing that label (boilerplate:
    template, content: novel), and sentence position -> label of those sentences."""
    labels = {text_key(lab.text): lab.label for lab in load_labels(corpus.store)}
    if not labels:
        return report, {}
    marked: dict[int, str] = {}
    sentences = []
    # keyed by the position the page shows the sentence at (ordered by offset)
    order = sorted(range(len(report.sentences)), key=lambda i: report.sentences[i].passage.start)
    position = {i: n for n, i in enumerate(order)}
    for i, r in enumerate(report.sentences):
        label = labels.get(text_key(r.passage.text))
        if label is not None:
            marked[position[i]] = label
            r = _as_labelled(r, label)
        sentences.append(r)
    if not marked:
        return report, {}
    sentences_t = tuple(sentences)
    return (
        replace(
            report,
            sentences=sentences_t,
            novelty=article_novelty(sentences_t),
            counts=dict(Counter(r.status for r in sentences_t)),
        ),
        marked,
    )


def _as_labelled(r: PassageResult, label: str) -> PassageResult:
    if label == "boilerplate":
        return replace(r, status="template", novelty=0.0, novel_spans=())
    return replace(r, status="novel", template_id=None, source_article=None,
                   novelty=max(r.novelty, 0.5))  # fmt: skip


def compare_stored(corpus: Any, article_id: str) -> tuple[CompareReport, dict[int, str]]:
    """A stored article compared with the rest of the store (summary saved)."""
    article = corpus.store.article(article_id)
    if article is None:
        raise KeyError(article_id)
    report = corpus.compare(article)
    save_summary(corpus, report)
    return with_labels(corpus, report)


def save_summary(corpus: Any, report: CompareReport) -> None:
    stories = corpus.stories()
    art = report.article.id
    story = stories.get(art, art)
    members = sorted({a for a, s in stories.items() if s == story} | {art})
    corpus.store.save_summary(
        art,
        report.novelty,
        {
            "counts": {s: report.counts.get(s, 0) for s in ("template", "reused", "novel")},
            "nearest": report.nearest[0].to_dict() if report.nearest else None,
            "story": {"id": story, "articles": members},
        },
    )


def backfill_one(corpus: Any) -> bool:
    """Compare the newest article without a summary; False when none is left."""
    ids = corpus.store.unsummarized(1)
    if not ids:
        return False
    article = corpus.store.article(ids[0])
    if article is not None:
        save_summary(corpus, corpus.compare(article))
    return True


def new_article(text: str, date: str | None, source: str | None, title: str | None) -> Article:
    from ..ingest import article_from_text

    if not text or not text.strip():
        raise InputError("The article is empty: paste or upload its text.")
    return article_from_text(
        text, date=date or None, source=source or None, title=title or None, origin="<web>"
    )


# ------------------------------------------------------------------ templates
def templates_now(corpus: Any) -> tuple[list[Template], dict[int, str]]:
    """The templates after the user's verdicts, and their names."""
    found = corpus.templates()
    return found, template_names(corpus.store, found)


def find_template(corpus: Any, tid: int) -> tuple[Template, str | None, str | None]:
    """Template ``tid`` (a rejected one too), its name and the user's verdict on it."""
    listed = corpus.templates()
    t = next((x for x in listed if x.id == tid), None)
    if t is None:
        t = next((x for x in corpus.load_templates()[0] if x.id == tid), None)
    if t is None:
        raise KeyError(tid)
    verdict, name = None, None
    keys = {text_key(t.text)}
    for c in load_curations(corpus.store):
        if c.key in keys:
            verdict, name = c.action, c.name
    return t, name, verdict


def template_detail(corpus: Any, tid: int) -> dict[str, Any]:
    """A template with the articles that use it, its slot fills and its wordings."""
    t, name, verdict = find_template(corpus, tid)
    meta = corpus.store.article_meta(sorted({m.article_id for m in t.members}))
    by_article: dict[str, Any] = {}
    for m in t.members:
        by_article.setdefault(m.article_id, m)
    articles = [
        {
            "article_id": aid,
            "date": meta.get(aid, (m.date,))[0],
            "source": meta.get(aid, (None, m.source))[1],
            "title": meta.get(aid, (None, None, None))[2],
            "text": m.text,
            "similarity": m.similarity,
        }
        for aid, m in by_article.items()
    ]
    articles.sort(key=lambda a: a["date"] or "", reverse=True)  # newest first, undated last
    fills, other = fill_counts(t.slot_form, [m.text for m in t.members])
    variants = wording_variants(t.members)
    return {
        "template": t,
        "name": name,
        "verdict": verdict,
        "articles": articles,
        "fills": [[{"fill": f, "count": n} for f, n in slot] for slot in fills],
        "worded_otherwise": other,
        "variants": variants,
        "shown": ARTICLES_SHOWN,
    }


# ------------------------------------------------------------------ teaching
def add_labels(corpus: Any, labels: list[Label], wait_s: float | None = None) -> dict[str, Any]:
    """Store labels under the write lock (waiting up to ``wait_s`` for a running ``index``),
    then fit the model when there are enough."""
    try:
        with corpus.store.write_lock(wait=True, timeout=LABEL_WAIT_S if wait_s is None else wait_s):
            save_labels(corpus.store, labels)
    except StoreLockedError as exc:
        raise Busy(
            "The store is being written by another process (index); the label was not saved "
            "yet: the page retries it."
        ) from exc
    n_labels, fitted = fit_labels(corpus)
    return {"saved": len(labels), "labels": n_labels, "model": fitted}


def set_verdict(
    corpus: Any,
    tid: int,
    action: str | None,
    name: str | None,
    wait_s: float | None = None,
) -> dict[str, Any]:
    """Confirm / reject (``action``) and/or name template ``tid``, as ``templates confirm``."""
    t, _, _ = find_template(corpus, tid)
    if name is not None and not name.strip():
        raise InputError("The name is empty.")
    try:
        with corpus.store.write_lock(wait=True, timeout=LABEL_WAIT_S if wait_s is None else wait_s):
            c = save_curation(corpus.store, t.text, t.level, action=action, name=name)
    except StoreLockedError as exc:
        raise Busy("The store is being written by another process (index); try again.") from exc
    return {"template_id": tid, "action": c.action, "name": c.name, "text": t.text}


_WORDS = re.compile(r'"[^"]+"|[^\W_]+', re.UNICODE)


def fts_query(text: str) -> str:
    """A safe FTS5 query from what a user typed: its words and "quoted phrases", all
    required (FTS5's own syntax — operators, columns, stars — is not passed through)."""
    parts = []
    for token in _WORDS.findall(text)[:20]:
        words = re.findall(r"[^\W_]+", token)
        if words:
            parts.append('"' + " ".join(words) + '"')
    return " ".join(parts)


# ------------------------------------------------------------------ the list, new articles
def list_filters(params: Any) -> dict[str, Any]:
    """The article list's filters from query parameters (bad numbers are ignored)."""

    def num(key: str) -> float | None:
        try:
            value = params.get(key)
            return None if value in (None, "") else min(1.0, max(0.0, float(value)))
        except ValueError:
            return None

    def text(key: str) -> str | None:
        value = params.get(key)
        return value.strip()[:200] or None if isinstance(value, str) else None

    return {
        "source": text("source"),
        "date_from": text("date_from"),
        "date_to": text("date_to"),
        "novelty_min": num("novelty_min"),
        "novelty_max": num("novelty_max"),
        "q": text("q"),
    }


def listing(corpus: Any, f: dict[str, Any], limit: int, offset: int) -> dict[str, Any]:
    """The article list (and the passages matching ``q``) on a worker."""
    store = corpus.store
    hits, ids = [], None
    if f.get("q"):
        query = fts_query(f["q"])
        hits = store.search_passages(query, 100) if query else []
        ids = sorted({h.article_id for h in hits})
    rows, total = store.list_articles(
        source=f.get("source"),
        date_from=f.get("date_from"),
        date_to=f.get("date_to"),
        novelty_min=f.get("novelty_min"),
        novelty_max=f.get("novelty_max"),
        article_ids=ids,
        limit=limit,
        offset=offset,
    )
    return {
        "filters": f,
        "rows": rows,
        "total": total,
        "limit": limit,
        "offset": offset,
        "hits": hits[:30],
        "sources": store.article_sources(),
        "events": store.latest_events(30),
    }


def arrivals_for(corpus: Any) -> Any:
    """This worker's ``watch.Arrivals`` (articles added from the web are reported as if
    they had arrived in a watched folder)."""
    from ..watch import Arrivals

    found = getattr(_local, "arrivals", None)
    if found is None or found.corpus is not corpus:
        found = _local.arrivals = Arrivals(corpus)
    return found


def compare_job(
    corpus: Any, text: str, fields: dict[str, str | None], add: bool
) -> tuple[CompareReport, list[dict]]:
    """Compare a new article; with ``add`` also add it and record its events."""
    article = new_article(text, fields.get("date"), fields.get("source"), fields.get("title"))
    if not add:
        return with_labels(corpus, corpus.compare(article))[0], []
    arrivals = arrivals_for(corpus)
    report, events = arrivals.take_report(article)
    arrivals.save()  # other processes read the index files
    arrivals.delivered(events)
    if report is None:  # already in the store and reported: compare it as stored
        report = corpus.compare(article)
    return with_labels(corpus, report)[0], events
