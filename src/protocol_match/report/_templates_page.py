"""The HTML page of the corpus's templates: summary, bar chart, and one table per template
kind (shared page helpers in ``_html``)."""

from __future__ import annotations

from collections.abc import Sequence

from ..records import Template, TemplateMember
from ._assets import TEMPLATES_CSS, TEMPLATES_JS
from ._html import Shell, e, page, slot_form_html
from ._svg import Bar, bar_chart, month_range, timeline

CHART_TOP = 15  # templates in the bar chart
EXAMPLES = 2  # example members shown per template
MORE = 8  # further members behind a <details>
EXAMPLE_CHARS = 220


def _order(templates: Sequence[Template]) -> list[Template]:
    return sorted(templates, key=lambda t: (-t.articles, -t.support, t.id))


def _examples(t: Template) -> list[TemplateMember]:
    """Members with distinct texts, one per article first, then the rest."""
    seen_text, seen_article, first, rest = set(), set(), [], []
    for m in t.members:
        key = " ".join(m.text.split()).lower()
        if key in seen_text:
            continue
        seen_text.add(key)
        (rest if m.article_id in seen_article else first).append(m)
        seen_article.add(m.article_id)
    return first + rest


def _member(m: TemplateMember) -> str:
    who = " · ".join(x for x in (m.source, m.date, m.article_id) if x)
    return (
        f"<li>{e(_clip(m.text))}<div class=src>{e(who)} · similarity {m.similarity:.2f}</div></li>"
    )


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1].rstrip() + "…"


def _summary(templates: Sequence[Template], name: str) -> str:
    formulas = sum(t.kind != "chrome" for t in templates)
    articles = {m.article_id for t in templates for m in t.members}
    sources = {s for t in templates for s in t.sources}
    firsts = sorted(t.first_seen for t in templates if t.first_seen)
    lasts = sorted(t.last_seen for t in templates if t.last_seen)
    span = f"{firsts[0]} → {lasts[-1]}" if firsts and lasts else "—"
    figures = [
        (len(templates), "templates"),
        (formulas, "formulas"),
        (len(templates) - formulas, "page chrome"),
        (len(articles) if articles else "—", "articles using them"),
        (len(sources) if sources else "—", "sources"),
        (span, "first → last seen"),
    ]
    figs = "".join(
        f'<div><div class="k">{e(v)}</div><div class="l">{e(label)}</div></div>'
        for v, label in figures
    )
    return (
        '<header class="card"><div class="kicker">protocol_match · templates</div>'
        f'<h1>{e(name)}</h1><div class="meta"><span>Recurring formulas '
        "mined from the corpus: passages repeated across articles with only names, dates "
        f'and numbers changed (shown as <span class="slot">{{…}}</span>).</span></div>'
        f'<div class="summary">{figs}</div><div class="controls">'
        '<label><input type="checkbox" id="hide-chrome"> Hide page chrome '
        '<span class="muted">(datelines, bylines, timestamps)</span></label>'
        '<input type="search" id="tpl-filter" placeholder="Filter templates by text…" '
        'aria-label="Filter templates by text"></div></header>'
    )


def _chart(templates: Sequence[Template]) -> str:
    top = _order(templates)[:CHART_TOP]
    bars = [
        Bar(
            label=f"#{t.id}  {t.slot_form or t.text}",
            value=t.articles,
            css="chrome" if t.kind == "chrome" else "formula",
            tooltip=f"#{t.id} ({t.kind}): {t.articles} articles, {t.support} stories — "
            f"{t.slot_form or t.text}",
        )
        for t in top
    ]
    svg = bar_chart(bars, title="Most reused templates by number of articles")
    return (
        f'<section class="card chart"><h2>Most reused templates</h2><p class="section-note">'
        f"Articles each template appears in (top {len(top)}). "
        '<span style="color:#4c6ef5">■</span> formula &nbsp; '
        f'<span style="color:#adb5bd">■</span> page chrome</p>{svg}</section>'
    )


def _row(t: Template, axis: Sequence[tuple[int, int]]) -> str:
    dates = [m.date for m in t.members] or [t.first_seen, t.last_seen]
    line = timeline(dates, axis, first=t.first_seen, last=t.last_seen)
    members = _examples(t)
    ex = "".join(_member(m) for m in members[:EXAMPLES])
    more = members[EXAMPLES : EXAMPLES + MORE]
    if more:
        ex += (
            f"<li><details><summary>{len(more)} more</summary><ul class=ex>"
            f"{''.join(_member(m) for m in more)}</ul></details></li>"
        )
    sources = ", ".join(t.sources)
    search = f"{t.slot_form} {t.text} {sources}".lower()
    return (
        f'<tr class="{"chrome" if t.kind == "chrome" else "formula"}" id="t{t.id}" '
        f'data-text="{e(search)}"><td class="num"><b>#{t.id}</b></td>'
        f'<td><span class="badge {e(t.kind)}">{e(t.kind)}</span><div class="muted">'
        f"{e(t.level)}</div></td>"
        f'<td class="num">{t.support}</td><td class="num">{t.articles}</td>'
        f'<td class="num" title="{e(sources)}">{len(t.sources)}</td>'
        f'<td class="timeline"><div class="mono">{e(t.first_seen or "?")} → '
        f"{e(t.last_seen or '?')}</div>{line}</td>"
        f'<td class="sf">{slot_form_html(t.slot_form or t.text)}'
        f"{f'<ul class=ex>{ex}</ul>' if ex else ''}</td></tr>"
    )


def _table(rows: Sequence[Template], axis: Sequence[tuple[int, int]]) -> str:
    head = (
        "<tr><th class=num>ID</th><th>Kind</th><th class=num>Stories</th>"
        "<th class=num>Articles</th><th class=num>Sources</th><th>Seen (uses per month)</th>"
        "<th>Slot form and examples</th></tr>"
    )
    return f'<table class="tpl-table">{head}{"".join(_row(t, axis) for t in rows)}</table>'


def _axis_note(axis: Sequence[tuple[int, int]]) -> str:
    if not axis:
        return ""
    (y0, m0), (y1, m1) = axis[0], axis[-1]
    return (
        '<p class="section-note">Timelines share one axis, '
        f"{y0}-{m0:02d} → {y1}-{m1:02d}: one bar per month with uses, the blue line spans "
        "first to last seen.</p>"
    )


def templates_body(templates: Sequence[Template], name: str) -> str:
    """The page body: summary and controls, chart, formulas table, page-chrome table."""
    ordered = _order(templates)
    dates = [m.date for t in ordered for m in t.members]
    dates += [d for t in ordered for d in (t.first_seen, t.last_seen)]
    axis = month_range(dates)  # one shared axis so timelines compare across rows
    formulas = [t for t in ordered if t.kind != "chrome"]
    chrome = [t for t in ordered if t.kind == "chrome"]
    parts = [_summary(ordered, name)]
    if not ordered:
        parts.append(
            '<section class="card"><p class="muted">No templates yet. Index more articles '
            "or lower --min-support.</p></section>"
        )
        return "".join(parts)
    parts.append(_chart(ordered))
    parts.append(
        f'<section class="card"><h2>Formulas ({len(formulas)})</h2>'
        + _axis_note(axis)
        + (_table(formulas, axis) if formulas else '<p class="muted">None.</p>')
        + "</section>"
    )
    if chrome:
        parts.append(
            f'<section class="card chrome"><h2>Page chrome ({len(chrome)})</h2>'
            '<p class="section-note">Datelines, bylines and timestamps that every article of a '
            f"source carries; not editorial content.</p>{_table(chrome, axis)}</section>"
        )
    return "".join(parts)


def render_templates_html(
    templates: Sequence[Template], *, title: str | None = None, shell: Shell | None = None
) -> str:
    """A self-contained HTML page about the corpus's templates.

    Summary figures, a bar chart of the most reused templates, and a table with each
    template's slot form, support, first/last seen, a per-month timeline and examples.
    Page chrome (datelines, bylines) sits in its own section and can be hidden. ``shell``:
    what a host app puts around the page (see ``Shell``).
    """
    name = title or "Templates"
    return page(
        f"{name} — protocol_match",
        TEMPLATES_CSS,
        templates_body(templates, name),
        TEMPLATES_JS,
        shell=shell,
    )
