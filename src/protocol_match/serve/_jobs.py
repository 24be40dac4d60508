"""The heavy requests: comparing, teaching the model, the review queue, mining. Each is a
module-level function of the corpus with plain arguments and a plain result, so it can run
in a compute process (``_pool.Workers``) as well as on a thread."""

from __future__ import annotations

from typing import Any

from ..learn import Label, propose
from ..report import render_compare_html, to_json
from . import _pages as pages
from ._views import add_labels, backfill_one, compare_job, compare_stored, stamp, templates_now


def article_page(corpus: Any, article_id: str, token: str) -> tuple[str, str]:
    """(store stamp, the compare page of a stored article with the teach bar)."""
    st = stamp(corpus)
    report, labels = compare_stored(corpus, article_id)
    found, _ = templates_now(corpus)
    sh = pages.shell(token, "/", pages.article_top(article_id, labels))
    return st, render_compare_html(report, templates=found, shell=sh)


def article_json(corpus: Any, article_id: str) -> str:
    """A stored article compared, as ``compare --format json`` prints it."""
    return to_json("compare", compare_stored(corpus, article_id)[0])


def compare_new(
    corpus: Any, text: str, fields: dict[str, str | None], add: bool, token: str | None
) -> tuple[str, str]:
    """(article id, the compare page — or its JSON when ``token`` is None) of a new article,
    added to the store with ``add``."""
    report, _ = compare_job(corpus, text, fields, add)
    if token is None:
        return report.article.id, to_json("compare", report)
    if add:
        return report.article.id, ""
    found, _ = templates_now(corpus)
    return report.article.id, render_compare_html(
        report, templates=found, shell=pages.shell(token, "/compare")
    )


def labels(corpus: Any, items: list[Label]) -> dict[str, Any]:
    return add_labels(corpus, items)


def review(corpus: Any, n: int) -> list[dict[str, Any]]:
    return [
        {**i.to_label_line(), "level": i.level, "probability": i.probability}
        for i in propose(corpus, n)
    ]


def mine(corpus: Any) -> int:
    return len(corpus.templates(refresh=True, wait=False))


def warm(corpus: Any) -> None:
    """Load what the first request would: the model, the indexes, the templates."""
    if not corpus.store.count("article"):
        return
    corpus.embedder.encode(["warm up"])
    for level in ("paragraph", "sentence", "article"):
        corpus.store.index(level)
    corpus.templates_for_compare(None, None)
    templates_now(corpus)
    corpus.stories()


def warm_light(corpus: Any) -> None:
    """What the list and template pages read, without the model or the indexes."""
    if corpus.store.count("article"):
        templates_now(corpus)


def backfill(corpus: Any) -> bool:
    return backfill_one(corpus)
