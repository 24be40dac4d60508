"""A corpus's templates: mined again when the corpus or the parameters changed, cached
between calls, and seen through the user's verdicts; also its near-duplicate groups."""

from __future__ import annotations

import json
import logging

from ..errors import StoreLockedError
from ..learn import curated, load_curations
from ..mining import (
    DEFAULT_DUPLICATE_THRESHOLD,
    ProgressFn,
    mine_store,
    read_templates,
    store_duplicates,
)
from ..records import DuplicateGroup, Template
from ..scoring import DEFAULT_THRESHOLD
from ..store import Store

log = logging.getLogger(__name__)

DEFAULT_MIN_SUPPORT = 3


class Templates:
    """Templates, stories and duplicates of a corpus (a mixin of
    :class:`~protocol_match.Corpus`)."""

    store: Store
    # (stamp, with members, templates, passage -> template)
    _template_cache: tuple[str, bool, list[Template], dict[int, int]] | None
    _stories_cache: tuple[str, dict[str, str]] | None
    # False: ``compare`` and ``templates`` use the templates of the last mining even when
    # articles were added since (same parameters); a long-running ``watch`` or ``serve``
    # mines again on its own schedule instead of on the first request after each article.
    auto_mine: bool = True

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
        # A store mined before the gram frequencies existed is mined again once.
        return fresh and self.store.has_gram_stats()

    def _stale_is_fine(self, params: dict) -> bool:
        """With ``auto_mine`` off: mined before with these parameters, only articles added."""
        if self.auto_mine or not self.store.get_meta("templates_at_count"):
            return False
        stored = json.loads(self.store.get_meta("template_params") or "{}")
        return stored == params and self.store.has_gram_stats()

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
        if refresh or not (self._templates_fresh(params) or self._stale_is_fine(params)):
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
        if not (self._templates_fresh(params) or self._stale_is_fine(params)):
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

    def duplicates(
        self, threshold: float = DEFAULT_DUPLICATE_THRESHOLD, *, k: int = 10
    ) -> list[DuplicateGroup]:
        """Groups of near-duplicate articles (same story, other outlet), with pair scores."""
        return store_duplicates(self.store, threshold, k=k)
