"""Following a feed: articles taken in as they arrive, each reported as JSON events.

``Arrivals`` compares an arriving article with the store, adds it and records its events in
the store (``article``, ``template_new``, ``template_drift``; see ``_events``), in an order
that survives a kill at any moment; ``FolderWatch`` takes in the files that appear in a
folder (watchfiles), ``watch_stream`` the JSON Lines of a stream. The wording helpers
(``_wording``: wording keys, slot fills, wording variants) serve the web app's template
pages too. Sits above ``corpus``, beside ``report``; ``serve`` shows its events live.
"""

from ._arrivals import Arrivals, WatchSettings, passes_alert
from ._events import EVENT_KINDS, EVENT_SCHEMA, TemplateTracker, event_json
from ._watcher import FolderWatch, deliver, wanted, watch_stream
from ._wording import (
    Variant,
    fill_counts,
    plain_words,
    slot_fills,
    wording_key,
    wording_variants,
)

__all__ = [
    "EVENT_KINDS",
    "EVENT_SCHEMA",
    "Arrivals",
    "FolderWatch",
    "TemplateTracker",
    "Variant",
    "WatchSettings",
    "deliver",
    "event_json",
    "fill_counts",
    "passes_alert",
    "plain_words",
    "slot_fills",
    "wanted",
    "watch_stream",
    "wording_key",
    "wording_variants",
]
