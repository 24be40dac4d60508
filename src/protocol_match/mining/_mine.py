"""Template mining over a store: from stored passages to stored templates.

Reads every sentence and paragraph with its vector and story, mines clusters
(:func:`~protocol_match.mining.mine_passages`), turns them into template records (medoid
text, slot form, support, sources, dates) and saves them with the story groups and the gram
document frequencies of each level (the verdict model's TF-IDF view) in one transaction.
Also reads them back for compare, and finds the store's near-duplicate article groups (the
stories mining counts support in).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..embed import text_key
from ..records import DuplicateGroup, Template, TemplateMember
from ..scoring import GramStats, slot_form
from ..store import Store
from ._duplicates import DEFAULT_DUPLICATE_THRESHOLD, DocInfo, find_duplicates, story_ids
from ._templates import is_chrome, mine_passages

ProgressFn = Callable[[str, int, int], None]


def mine_store(
    store: Store,
    groups: Sequence[DuplicateGroup],
    params: dict,
    progress: ProgressFn | None = None,
) -> None:
    """Mine the templates of ``store`` with ``params`` (threshold, min_support) and save
    them; ``groups`` are the near-duplicate article groups (one story each)."""
    table = store.article_table()
    stories_map = story_ids([r[1] for r in table], groups)
    meta = {r[1]: (r[2], r[3]) for r in table}
    story_codes = {s: i for i, s in enumerate(sorted(set(stories_map.values())))}
    templates: list[dict] = []
    members: list[tuple[int, int, float]] = []
    seen_texts: set[str] = set()
    grams: dict[str, tuple[int, np.ndarray, np.ndarray]] = {}
    for level in ("sentence", "paragraph"):
        ids, art_ids, texts = store.level_texts(level)
        # Gram document frequencies for the verdict model's TF-IDF features.
        gs = GramStats.count(texts)
        grams[level] = (gs.passages, gs.keys, gs.counts)
        if len(ids) < 2:
            continue
        _, vecs = store.level_vectors(level)
        stories = np.asarray([story_codes[stories_map[a]] for a in art_ids])
        clusters = mine_passages(
            vecs,
            texts,
            stories,
            threshold=params["threshold"],
            min_support=params["min_support"],
        )
        for cl in clusters:
            canonical = texts[cl.medoid]
            if text_key(canonical) in seen_texts:
                continue  # a one-sentence paragraph already reported at sentence level
            seen_texts.add(text_key(canonical))
            tid = len(templates) + 1
            arts = sorted({art_ids[m] for m in cl.members})
            dates = sorted(d for d in (meta[a][0] for a in arts) if d)
            templates.append(
                {
                    "id": tid,
                    "level": level,
                    "kind": "chrome" if is_chrome(canonical) else "formula",
                    "text": canonical,
                    "slot_form": slot_form([texts[m] for m in cl.members[:50]], canonical),
                    "support": cl.stories,
                    "articles": len(arts),
                    "sources": sorted({meta[a][1] for a in arts if meta[a][1]}),
                    "first_seen": dates[0] if dates else None,
                    "last_seen": dates[-1] if dates else None,
                }
            )
            members.extend(
                (tid, int(ids[m]), float(s)) for m, s in zip(cl.members, cl.scores, strict=True)
            )
        if progress:
            progress("templates", 1, 2)
    store.save_templates(templates, members, stories_map, params, grams)


def read_templates(store: Store, *, members: bool = True) -> tuple[list[Template], dict[int, int]]:
    """Stored templates and the passage -> template map; ``members=False`` leaves each
    template's member list empty (reading every member's text costs seconds at scale)."""
    members_by: dict[int, list[TemplateMember]] = {}
    member_rows = store.template_members()
    rows = store.passages([p for _, p, _ in member_rows]) if members else {}
    template_of = {}
    for tid, pid, sim in member_rows:
        template_of[pid] = tid
        r = rows.get(pid)
        if r is not None:
            members_by.setdefault(tid, []).append(
                TemplateMember(pid, r.article_id, r.text, round(sim, 4), r.date, r.source)
            )
    temps = []
    for data in store.load_templates():
        data["sources"] = tuple(data["sources"])
        data["members"] = tuple(sorted(members_by.get(data["id"], []), key=lambda m: -m.similarity))
        temps.append(Template(**data))
    return temps, template_of


def store_duplicates(
    store: Store, threshold: float = DEFAULT_DUPLICATE_THRESHOLD, *, k: int = 10
) -> list[DuplicateGroup]:
    """Groups of near-duplicate articles in ``store`` (same story, other outlet), with pair
    scores."""
    if store.count("article") < 2:
        return []
    from ._knn import knn_graph_blocked

    ids, vecs = store.level_vectors("article")
    nb_sims, neighbors = knn_graph_blocked(vecs, min(k, len(ids) - 1))
    arts = store.articles_by_rowid([int(r) for r in ids])
    docs = [DocInfo(arts[int(r)].id, arts[int(r)].text, arts[int(r)].date) for r in ids]
    return find_duplicates(docs, neighbors, nb_sims, threshold=threshold)
