"""Taking in one arriving article: compare it with the store, add it, record its events.

The order makes a kill at any moment harmless: the article is compared, then added (one
transaction), then its events — template events, then the ``article`` event that marks it
done — and its summary are recorded (one more transaction). After a restart an article
already stored without its ``article`` event is compared again (as a stored article, never
against itself) and reported; one with it is skipped. Events already recorded are not
recorded again (unique per kind and key).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..records import Article, CompareReport
from ._events import TemplateTracker, article_event, event_json, story_group, summary_of


@dataclass(frozen=True)
class WatchSettings:
    """How ``watch`` reports and when it mines again."""

    alert_novelty: float | None = None  # print only articles at least this novel
    min_support: int | None = None  # stories a template needs (default: the store's)
    mine_every: int = 50  # mine again after this many new articles, once idle (0: never)
    settle_s: float = 0.02  # a file must keep its size this long before it is read


class Arrivals:
    """Compares, adds and reports arriving articles on an open ``Corpus``.

    Turns the corpus's ``auto_mine`` off: templates are mined again by :meth:`mine_if_due`
    (after ``mine_every`` new articles), not on the first compare after each article.
    """

    def __init__(self, corpus: Any, settings: WatchSettings | None = None) -> None:
        self.corpus = corpus
        self.settings = settings or WatchSettings()
        corpus.auto_mine = False
        corpus.store.ensure_feed_tables()
        self.tracker = TemplateTracker()
        self.since_mining = 0
        self.unsaved_since: float | None = None  # index files behind the store since then

    def take(self, article: Article) -> list[dict[str, Any]]:
        """Take one article in; returns the events recorded for it (JSON form), none when it
        was reported before."""
        return self.take_report(article)[1]

    def take_report(self, article: Article) -> tuple[CompareReport | None, list[dict[str, Any]]]:
        """:meth:`take`, also returning the comparison (None when reported before)."""
        store = self.corpus.store
        stored = bool(store.existing_ids([article.id]))
        if stored and store.has_event("article", article.id):
            return None, []
        params = self.corpus.params(self.settings.min_support, None)
        report: CompareReport = self.corpus.compare(
            article, min_support=params["min_support"], threshold=params["threshold"]
        )
        if not stored:
            # Index files are saved when the feed is quiet (save()), not after each article:
            # rewriting them took a third of an article's time at 100k passages.
            added = self.corpus.add([article], save_indexes=False).added
            self.since_mining += added
            if self.unsaved_since is None:
                self.unsaved_since = time.monotonic()
        return report, self.record(report)

    def record(self, report: CompareReport) -> list[dict[str, Any]]:
        """Record the events of a compared article that is now in the store."""
        store = self.corpus.store
        params = self.corpus.params(self.settings.min_support, None)
        stories = self.corpus.stories()
        own = self.corpus.own_stories(report.article.id, False, stories, report.nearest)
        self.tracker.refresh(self.corpus)
        found = self.tracker.events(
            report,
            stories=stories,
            own=own,
            threshold=params["threshold"],
            min_support=params["min_support"],
        )
        story = story_group(self.corpus, report)
        data = article_event(report, story, self.settings.alert_novelty)
        # The article event last: it marks the article done. One transaction with the
        # template events and the summary, so a kill leaves all of them or none.
        found.append(("article", report.article.id, data))
        summary = (report.article.id, report.novelty, summary_of(data))
        recorded = store.record_events(found, summary)
        return [
            event_json(got[0], got[1], kind, payload)
            for (kind, _key, payload), got in zip(found, recorded, strict=True)
            if got is not None
        ]

    def warm(self) -> None:
        """Load the model, the indexes, the templates and the story groups now, so the first
        article is reported as fast as the next ones."""
        corpus = self.corpus
        corpus.embedder.encode(["warm up"])
        for level in ("paragraph", "sentence", "article"):
            corpus.store.index(level)
        corpus.templates_for_compare(self.settings.min_support, None)
        corpus.stories()
        self.tracker.refresh(corpus)

    def save(self, older_than_s: float = 0.0) -> bool:
        """Write the index files extended since the last save (when that was at least
        ``older_than_s`` ago); returns whether it did."""
        since = self.unsaved_since
        if since is None or time.monotonic() - since < older_than_s:
            return False
        with self.corpus.store.write_lock():
            self.corpus.store.save_indexes()
        self.unsaved_since = None
        return True

    def undelivered(self) -> list[dict[str, Any]]:
        """Events recorded but not yet printed (a kill came in between), oldest first."""
        return [
            event_json(e.id, e.at, e.kind, e.data)
            for e in self.corpus.store.events(undelivered=True, limit=1_000_000)
        ]

    def delivered(self, events: list[dict[str, Any]]) -> None:
        self.corpus.store.mark_delivered(e["id"] for e in events)

    def mine_if_due(self, progress: Callable[[str], None] | None = None) -> bool:
        """Mine the templates again when ``mine_every`` articles arrived since; returns
        whether it did."""
        every = self.settings.mine_every
        if every <= 0 or self.since_mining < every:
            return False
        if progress:
            progress(f"mining templates again ({self.since_mining} new articles)")
        self.save()
        self.corpus.templates(min_support=self.settings.min_support, refresh=True)
        self.since_mining = 0
        return True

    def wants(self, event: dict[str, Any]) -> bool:
        return passes_alert(event, self.settings.alert_novelty)


def passes_alert(event: dict[str, Any], alert_novelty: float | None) -> bool:
    """Whether ``event`` is printed under ``--alert-novelty``: every template event, and the
    articles at least that novel."""
    if event["event"] != "article" or alert_novelty is None:
        return True
    return float(event["novelty"]) >= alert_novelty
