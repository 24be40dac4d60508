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

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .lexical import new_figures, stem, tokens, word_weight
from .records import Span

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
        return self.frame_share < FRAME_SHARE and self.frame_words < 2 and not self.figures


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


def _stems(text: str) -> list[str]:
    """Content stems; numbers fold to "#" and runs of rare capitalized words (names, outlets)
    to one "@", so a clause recurs whoever it names."""
    out: list[str] = []
    for _, _, w in tokens(text):
        if w[0].isdigit():
            out.append("#")
        elif w[0].isupper() and word_weight(w) >= _NAME_WEIGHT:
            if not out or out[-1] != "@":
                out.append("@")
        elif word_weight(w) > 0:
            out.append(stem(w))
    return out


def clause_key(text: str) -> tuple[str, ...] | None:
    """Lexical key of a clause group, or None when it is too short or too long."""
    stems = _stems(text)
    if not MIN_WORDS <= len(stems) <= MAX_WORDS:
        return None
    return tuple(stems)


@dataclass
class ClauseTable:
    """Story support of the leading/trailing clause groups of the corpus's sentences."""

    stories: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    articles: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    # Per key: how many of its sentences hold each stem in the rest of the sentence.
    rests: dict[tuple[str, ...], Counter] = field(default_factory=dict)
    uses: Counter = field(default_factory=Counter)

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, str]]) -> ClauseTable:
        """From (article id, story id, sentence text) rows."""
        table = cls()
        for article, story, text in rows:
            # The whole sentence too: a stand-alone formula can be glued to a new fact.
            groups = edge_groups(text) + [(0, len(text.rstrip(" .!?")), 0, 0)]
            for s, e, rs, re_ in groups:
                key = clause_key(text[s:e])
                if key is None:
                    continue
                table.stories.setdefault(key, set()).add(story)
                table.articles.setdefault(key, set()).add(article)
                table.rests.setdefault(key, Counter()).update(set(_stems(text[rs:re_])))
                table.uses[key] += 1
        # Keys seen in one story only can never reach min_support: drop them to save memory.
        for key in [k for k, v in table.stories.items() if len(v) < 2]:
            del table.stories[key], table.articles[key], table.rests[key], table.uses[key]
        return table

    def hits(
        self, text: str, *, story_of: dict[str, str], exclude: str | None = None
    ) -> list[ClauseHit]:
        """The recurring leading/trailing clause groups of ``text``, longest first."""
        out = []
        for s, e, rs, re_ in edge_groups(text):
            key = clause_key(text[s:e])
            if key is None or key not in self.stories:
                continue
            arts = self.articles[key] - ({exclude} if exclude else set())
            stories = {story_of.get(a, a) for a in arts}
            if len(stories) < 2:
                continue
            share, words = _frame_share(text[rs:re_], self.rests[key], self.uses[key])
            figures = new_figures([Span(s, e, text[s:e])], text)
            out.append(ClauseHit(s, e, len(stories), share, words, figures))
        out.sort(key=lambda h: -(h.end - h.start))
        return out


def _frame_share(rest: str, counts: Counter, uses: int) -> tuple[float, int]:
    """Share (and number) of the rest's content words that most of the clause's sentences
    also carry."""
    # Unweighted: a frame's slot fills are rare words and would outweigh its fixed wording.
    total = shared = 0
    for _, _, w in tokens(rest):
        if word_weight(w) <= 0 or w[0].isdigit():
            continue
        total += 1
        shared += counts.get(stem(w), 0) * 2 > uses
    return (shared / total if total else 1.0), shared


def best_hit(hits: Sequence[ClauseHit], min_support: int) -> ClauseHit | None:
    """The longest detachable clause group with enough story support."""
    for h in hits:
        if h.stories >= min_support and h.detachable:
            return h
    return None
