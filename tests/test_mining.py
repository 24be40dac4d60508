"""Mining over a real store (mining.py): both seeds, the bundled model, real FAISS."""

from __future__ import annotations

from protocol_match.corpus import Corpus
from protocol_match.mining import mine_store, read_templates, stored_clause_table
from protocol_match.store import Store

from .conftest import SEED_003


def test_mine_store_saves_templates_stories_and_clauses(store_copy, embedder) -> None:
    corpus = Corpus.open(store_copy)
    corpus._embedder = embedder
    corpus.add([SEED_003])
    corpus.close()
    store = Store.open(store_copy)
    try:
        mine_store(store, [], {"threshold": 0.62, "min_support": 2})
        full, template_of = read_templates(store)
        lite, lite_of = read_templates(store, members=False)
        assert full, "the two seeds share formulas"
        # Members are read only on request; the passage -> template map is the same.
        assert lite_of == template_of
        assert [t.id for t in lite] == [t.id for t in full]
        assert all(t.members == () for t in lite)
        assert all(len(t.members) >= 2 and t.support >= 2 for t in full)
        assert set(template_of.values()) == {t.id for t in full}
        # The clause table is stored with them: a new fact glued to the seeds' shared welcome
        # formula finds the formula as a clause, read from the store.
        welcome = (
            "Colonel General Zakir Hasanov welcomed the guests and expressed his "
            "satisfaction with seeing them in Azerbaijan"
        )
        text = f"A new military hospital opened in Shusha on Monday, and {welcome}."
        hits = stored_clause_table(store).hits(text)
        assert [(text[h.start : h.end], h.stories) for h in hits] == [(f"and {welcome}", 2)]
        assert store.has_clauses()
    finally:
        store.close()
