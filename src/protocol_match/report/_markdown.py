"""Markdown reports for pasting into tickets, chats and pull requests (GitHub-flavoured).

Every piece of article text is escaped so that it renders as the same text: no stray
emphasis, no broken tables, no raw HTML. Novel spans are shown in bold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..records import CompareReport, PassageResult, Template, TemplateMember

STATUSES = ("template", "reused", "novel")
TEXT_LIMIT = 400  # characters of a paragraph shown in a table cell
# Inline punctuation that changes rendering anywhere in a line (emphasis, code, links, HTML,
# table cells, strikethrough); "#", "+" and "-" matter only at the start of a line.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_LEADING = re.compile(r"^([#+\-])")


def _escape_inline(text: str) -> str:
    """Escape Markdown punctuation, keep spaces as they are, newlines become spaces."""
    text = re.sub(r"\s", " ", str(text))
    return _SPECIAL.sub(r"\\\1", text).replace("&", "&amp;")


def md_escape(text: str) -> str:
    """Text safe in a Markdown table cell: punctuation escaped, one line, ``&`` as entity."""
    return _LEADING.sub(r"\\\1", _escape_inline(" ".join(str(text).split())))


def _code(text: str) -> str:
    """An id as inline code; ids with markup characters fall back to escaped plain text,
    since backslash escapes do not work inside code spans."""
    text = " ".join(str(text).split())
    if re.search(r"[`|<>\\&]", text) or not text:
        return md_escape(text)
    return f"`{text}`"


def _merged_spans(result: PassageResult) -> list[tuple[int, int]]:
    """Novel spans relative to the passage, clipped, sorted and merged."""
    p = result.passage
    spans = sorted(
        (max(sp.start, p.start) - p.start, min(sp.end, p.end) - p.start)
        for sp in result.novel_spans
    )
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _emphasised(result: PassageResult, text: str) -> str:
    """The passage text, escaped, clipped to ``TEXT_LIMIT``, with novel spans in bold."""
    p = result.passage
    body = text[p.start : p.end] if 0 <= p.start < p.end <= len(text) else p.text
    cut = len(body) > TEXT_LIMIT
    if cut:
        body = body[: TEXT_LIMIT - 1]
    out, pos = [], 0
    for a, b in _merged_spans(result):
        a, b = min(a, len(body)), min(b, len(body))
        piece = body[a:b]
        inner = piece.strip()
        if not inner:
            continue
        # "**" must touch the word on both sides to render as bold: keep spaces outside
        lead = piece[: len(piece) - len(piece.lstrip())]
        trail = piece[len(piece.rstrip()) :]
        out.append(f"{_escape_inline(body[pos:a])}{lead}**{_escape_inline(inner)}**{trail}")
        pos = b
    out.append(_escape_inline(body[pos:]))
    return " ".join("".join(out).split()) + ("…" if cut else "")


def _source_cell(result: PassageResult, slot_forms: dict[int, str]) -> str:
    if result.template_id is not None:
        sf = slot_forms.get(result.template_id, "")
        return f"template \\#{result.template_id}" + (f": {md_escape(sf)}" if sf else "")
    if result.matches:
        m = result.matches[0]
        who = md_escape(" · ".join(x for x in (m.source, m.date) if x))
        art = _code(result.source_article or m.article_id)
        lead = "copied from" if result.status == "reused" else "closest:"
        return f"{lead} {art}" + (f" ({who})" if who else "") + f", score {m.similarity:.2f}"
    return "—"


def render_compare_markdown(report: CompareReport, *, templates: Sequence[Template] = ()) -> str:
    """A Markdown summary of one comparison: header, a table of paragraphs, templates used
    and the nearest earlier articles. ``templates`` adds kind and support to the list."""
    art = report.article
    slot_forms = {u.template_id: u.slot_form for u in report.templates}
    by_id = {t.id: t for t in templates}
    slot_forms.update({t.id: t.slot_form for t in templates if t.id in slot_forms})
    name = art.title or art.origin or art.id
    meta = " · ".join(
        f"{k} {md_escape(v)}"
        for k, v in (("id", art.id), ("date", art.date), ("source", art.source))
        if v
    )
    counts = " · ".join(f"{report.counts.get(s, 0)} {s}" for s in STATUSES)
    lines = [
        f"## Compare: {md_escape(name)}",
        "",
        f"**Novelty {100 * report.novelty:.0f}%** (share of novel text) · sentences: {counts}  ",
        meta,
        "",
        "| ¶ | Status | Novelty | Template / source | Text (novel words in bold) |",
        "|--:|---|--:|---|---|",
    ]
    rows = report.paragraphs or report.sentences
    for r in sorted(rows, key=lambda r: r.passage.start):
        lines.append(
            f"| {r.passage.paragraph + 1} | {r.status} | {r.novelty:.2f} | "
            f"{_source_cell(r, slot_forms)} | {_emphasised(r, art.text)} |"
        )
    lines += ["", "### Templates used", ""]
    if not report.templates:
        lines.append("None.")
    for u in report.templates:
        t = by_id.get(u.template_id)
        extra = f"{t.kind}, {t.articles} articles, " if t else ""
        lines.append(
            f"- **\\#{u.template_id}** ({extra}{u.passages} passage(s) here): "
            f"{md_escape(slot_forms.get(u.template_id, u.slot_form))}"
        )
    lines += ["", "### Nearest earlier articles", ""]
    if report.nearest:
        lines += ["| Article | Title | Source | Date | Similarity |", "|---|---|---|---|--:|"]
        lines += [
            f"| {_code(a.article_id)} | {md_escape(a.title or '')} | "
            f"{md_escape(a.source or '')} | {md_escape(a.date or '')} | {a.similarity:.2f} |"
            for a in report.nearest
        ]
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def render_templates_markdown(templates: Sequence[Template], *, examples: int = 0) -> str:
    """A Markdown table of templates (most used first); ``examples`` member texts each
    are listed below the table when asked."""
    if examples < 0:
        raise ValueError("examples must be >= 0")
    ordered = sorted(templates, key=lambda t: (-t.articles, -t.support, t.id))
    chrome = sum(t.kind == "chrome" for t in ordered)
    lines = [
        f"## Templates ({len(ordered)}: {len(ordered) - chrome} formulas, {chrome} page chrome)",
        "",
    ]
    if not ordered:
        return "\n".join(lines + ["None yet: index more articles or lower --min-support."]) + "\n"
    lines += [
        "| ID | Kind | Level | Stories | Articles | Sources | First seen | Last seen | Slot form |",
        "|--:|---|---|--:|--:|--:|---|---|---|",
    ]
    for t in ordered:
        lines.append(
            f"| {t.id} | {t.kind} | {t.level} | {t.support} | {t.articles} | {len(t.sources)} | "
            f"{md_escape(t.first_seen or '')} | {md_escape(t.last_seen or '')} | "
            f"{md_escape(t.slot_form or t.text)} |"
        )
    if examples:
        lines += ["", "### Examples"]
        for t in ordered:
            lines += ["", f"**\\#{t.id}** {md_escape(t.slot_form or t.text)}", ""]
            distinct: dict[str, TemplateMember] = {}
            for m in t.members:  # first member of each distinct text, in stored order
                distinct.setdefault(" ".join(m.text.split()), m)
            for m in list(distinct.values())[:examples]:
                who = " · ".join(x for x in (m.source, m.date, m.article_id) if x)
                lines.append(f"- {md_escape(m.text)} — {md_escape(who)}")
    return "\n".join(lines) + "\n"
