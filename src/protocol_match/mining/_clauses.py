"""Formula clauses hidden inside content sentences.

An attribution ("…, Trend reports via the Defense Ministry") or a courtesy clause ("…, and the
sides discussed military, military-technical cooperation and regional security") is often
glued to a new fact, so the sentence as a whole matches nothing. Dense retrieval does not find
such a clause either: it is a small part of every stored sentence that carries it. So the
corpus's sentences are cut at clause boundaries (commas, semicolons) and every leading and
trailing group of clauses is counted by story under a lexical key (content-word stems, numbers
folded). A query sentence whose leading or trailing clauses recur in ``min_support`` stories
carries a formula clause — unless that clause only ever appears in one recurring sentence
frame, always with the same companion words (then it is part of the frame, and the sentence is
judged as a whole). Pure functions and one in-memory table.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..records import Span
from ..scoring import new_figures, stem, tokens, word_weight

# A clause boundary: comma or semicolon followed by a space (not "23,492"), or right after a
# reporting verb's "that" ("... expressed gratitude for the hospitality and said that ...").
_BOUNDARY = re.compile(r"[,;]\s+|\b(?:said|noted|stressed|added|stated) that(\s+)")
# Clause groups shorter than this many content words are too generic to be evidence.
MIN_WORDS = 3
MAX_WORDS = 14
# Capitalized words at least this rare in general English (zipf <= 3) are names.
_NAME_WEIGHT = 4.0
# A matched clause is part of a recurring frame when this share of the rest of the sentence's
# content words is made of words that most of the clause's other sentences also have.
FRAME_SHARE = 0.3
# ... and it is part of the frame when at least this many such words surround it (3 rather than
# 2 was measured on the benchmark's development seed: sentence F1 +0.002-0.004).
FRAME_WORDS = 3
_SKIP = frozenset({"#", "@", None})  # number / name placeholders, function words: no frame


@dataclass(frozen=True)
class ClauseHit:
    """A leading or trailing clause group of a query sentence that recurs in the corpus."""

    start: int  # character offsets inside the sentence
    end: int
    stories: int
    frame_share: float  # see FRAME_SHARE
    frame_words: int  # how many of the rest's words most of the clause's sentences share
    figures: int  # new figures inside the clause itself (a clause with counts reports facts)

    @property
    def detachable(self) -> bool:
        in_frame = self.frame_share >= FRAME_SHARE or self.frame_words >= FRAME_WORDS
        return not in_frame and not self.figures


def edge_groups(text: str) -> list[tuple[int, int, int, int]]:
    """(start, end, rest_start, rest_end) of each proper leading and trailing clause group."""
    # A reporting verb stays with the clause before it: the cut is after its "that".
    cuts = [m.span(1) if m.group(1) else m.span() for m in _BOUNDARY.finditer(text)]
    if not cuts:
        return []
    end = len(text.rstrip(" .!?"))
    out = []
    for a, b in cuts:
        out.append((0, a, b, end))  # leading group, rest after it
        out.append((b, end, 0, a))  # trailing group, rest before it
    return out


def _stem_tokens(text: str) -> list[tuple[int, int, str | None]]:
    """(start, end, stem) of every word; numbers are "#", rare capitalized words (names,
    outlets) "@", function words None."""
    out: list[tuple[int, int, str | None]] = []
    for s, e, w in tokens(text):
        if w[0].isdigit():
            out.append((s, e, "#"))
        elif w[0].isupper() and word_weight(w) >= _NAME_WEIGHT:
            out.append((s, e, "@"))
        else:
            out.append((s, e, stem(w) if word_weight(w) > 0 else None))
    return out


def _fold(stems: Iterable[str | None]) -> list[str]:
    """Content stems with each run of names folded to one "@", so a clause recurs whoever
    it names."""
    out: list[str] = []
    for st in stems:
        if st is None or (st == "@" and out and out[-1] == "@"):
            continue
        out.append(st)
    return out


def _key_of(stems: list[str]) -> tuple[str, ...] | None:
    return tuple(stems) if MIN_WORDS <= len(stems) <= MAX_WORDS else None


def clause_key(text: str) -> tuple[str, ...] | None:
    """Lexical key of a clause group, or None when it is too short or too long."""
    return _key_of(_fold(st for _, _, st in _stem_tokens(text)))


def key_hash(key: tuple[str, ...]) -> int:
    """Stable signed 64-bit id of a clause key (how the store indexes the table)."""
    digest = hashlib.blake2b("\x1f".join(key).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def sentence_groups(text: str, *, whole: bool = True) -> list[tuple[int, int, int, int, int]]:
    """(start, end, rest start, rest end, key hash) of every keyed clause group of a
    sentence: its leading/trailing groups and, with ``whole``, the sentence itself (a
    stand-alone formula can be glued to a new fact elsewhere)."""
    return _keyed_groups(text, _stem_tokens(text), whole)


def _keyed_groups(
    text: str, toks: list[tuple[int, int, str | None]], whole: bool
) -> list[tuple[int, int, int, int, int]]:
    groups = edge_groups(text)
    if whole:
        groups.append((0, len(text.rstrip(" .!?")), 0, 0))
    out = []
    for s, e, rs, re_ in groups:
        key = _key_of(_fold(st for a, b, st in toks if a >= s and b <= e))
        if key is not None:
            out.append((s, e, rs, re_, key_hash(key)))
    return out


def _carried(text: str) -> list[tuple[int, frozenset[str]]]:
    """(key hash, stems of the rest of the sentence) of each keyed group, tokenizing once."""
    toks = _stem_tokens(text)
    return [
        (h, frozenset(st for a, b, st in toks if a >= rs and b <= re_ and st not in _SKIP))
        for _, _, rs, re_, h in _keyed_groups(text, toks, True)
    ]


@dataclass(frozen=True)
class ClauseEntry:
    """What the corpus knows about one recurring clause key."""

    stories: int  # distinct stories carrying it
    uses: int  # sentences carrying it
    # (article id, story id) of every carrier while there are few; None past SMALL_STORIES.
    members: tuple[tuple[str, str], ...] | None
    # Stems that more than half of its sentences carry outside the clause (a frame's words).
    frame: frozenset[str]

    def to_json(self) -> str:
        members = None if self.members is None else [list(m) for m in self.members]
        data = {"s": self.stories, "u": self.uses, "m": members, "f": sorted(self.frame)}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ClauseEntry:
        d = json.loads(text)
        members = None if d["m"] is None else tuple((a, st) for a, st in d["m"])
        return cls(int(d["s"]), int(d["u"]), members, frozenset(d["f"]))

    def stories_without(self, article: str | None) -> int:
        """Story support when ``article`` (the one being compared) is left out."""
        if self.members is None:
            # Many stories: leaving one article out removes at most one of them.
            return self.stories - (1 if article else 0)
        return len({st for a, st in self.members if a != article})


# Past this many stories the exact carriers are not kept: no min_support is that high.
SMALL_STORIES = 16


class ClauseTable:
    """Story support of the leading/trailing clause groups of the corpus's sentences.

    Built in memory with :meth:`build` or read from the store through ``fetch`` (a callable
    taking key hashes and returning the entries it knows), so compare never rebuilds it.
    """

    def __init__(self, fetch: Callable[[list[int]], Mapping[int, ClauseEntry]]) -> None:
        self._fetch = fetch

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, str]]) -> ClauseTable:
        """From (article id, story id, sentence text) rows, in memory."""
        entries = dict(build_entries(rows))
        return cls(lambda keys: {k: entries[k] for k in keys if k in entries})

    def hits(self, text: str, *, exclude: str | None = None) -> list[ClauseHit]:
        """The recurring leading/trailing clause groups of ``text``, longest first."""
        groups = sentence_groups(text, whole=False)
        found = self._fetch(sorted({g[4] for g in groups}))
        out = []
        for s, e, rs, re_, h in groups:
            entry = found.get(h)
            if entry is None:
                continue
            stories = entry.stories_without(exclude)
            if stories < 2:
                continue
            share, words = _frame_share(text[rs:re_], entry.frame)
            figures = new_figures([Span(s, e, text[s:e])], text)
            out.append(ClauseHit(s, e, stories, share, words, figures))
        out.sort(key=lambda h: -(h.end - h.start))
        return out


def build_entries(rows: Iterable[tuple[str, str, str]]) -> Iterator[tuple[int, ClauseEntry]]:
    """(key hash, entry) of every clause key carried by sentences of at least two stories.

    Each distinct sentence text is tokenized once (formulas repeat verbatim); a key's
    carriers wait in ``pending`` until a second story carries it, and only keys of two or
    more stories become entries.
    """
    by_text: dict[str, list[tuple[int, frozenset[str]]]] = {}
    first_story: dict[int, str] = {}
    members: dict[int, list[tuple[str, str, frozenset[str]]]] = {}
    pending: dict[int, list[tuple[str, str, frozenset[str]]]] = {}
    for article, story, text in rows:
        groups = by_text.get(text)
        if groups is None:
            groups = by_text[text] = _carried(text)
        for h, rest in groups:
            carrier = (article, story, rest)
            if h in members:
                members[h].append(carrier)
            elif h not in first_story:
                first_story[h] = story
                pending[h] = [carrier]
            elif first_story[h] == story:
                pending[h].append(carrier)
            else:
                members[h] = pending.pop(h) + [carrier]
    for h, carriers in members.items():
        stories = {st for _, st, _ in carriers}
        counts: Counter = Counter()
        for _, _, rest in carriers:
            counts.update(rest)
        uses = len(carriers)
        yield (
            h,
            ClauseEntry(
                stories=len(stories),
                uses=uses,
                members=(
                    tuple(sorted({(a, st) for a, st, _ in carriers}))
                    if len(stories) <= SMALL_STORIES
                    else None
                ),
                frame=frozenset(st for st, c in counts.items() if c * 2 > uses),
            ),
        )


def _frame_share(rest: str, frame: frozenset[str]) -> tuple[float, int]:
    """Share (and number) of the rest's content words that most of the clause's sentences
    also carry."""
    # Unweighted: a frame's slot fills are rare words and would outweigh its fixed wording.
    total = shared = 0
    for _, _, w in tokens(rest):
        if word_weight(w) <= 0 or w[0].isdigit():
            continue
        total += 1
        shared += stem(w) in frame
    return (shared / total if total else 1.0), shared


def best_hit(hits: Sequence[ClauseHit], min_support: int) -> ClauseHit | None:
    """The longest detachable clause group with enough story support."""
    for h in hits:
        if h.stories >= min_support and h.detachable:
            return h
    return None
