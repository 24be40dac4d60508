"""Mining over a real store (mining.py): both seeds, the bundled model, real FAISS."""

from __future__ import annotations

from protocol_match.corpus import Corpus
from protocol_match.mining import mine_store, read_templates
from protocol_match.scoring import gram_hashes
from protocol_match.store import Store

from .conftest import SEED_003


def test_mine_store_saves_templates_stories_and_gram_stats(store_copy, embedder) -> None:
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
        # The gram frequencies of each level are saved with them (the TF-IDF features).
        assert store.has_gram_stats()
        n, keys, counts = store.gram_stats("sentence")
        assert n == store.count("sentence") and len(keys) == len(counts) > 0
        welcomed = gram_hashes("welcomed")[0]
        assert welcomed in set(keys.tolist())  # a word both seeds use
        assert counts.max() <= n and store.gram_stats("article") is None
    finally:
        store.close()
