"""The HTML page of one compared article: the coloured article, a panel of matches per
sentence, the templates and reused articles it draws on, and a details table."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from ..records import CompareReport, PassageResult, Template
from ._assets import COMPARE_CSS, COMPARE_JS
from ._html import Shell, e, json_script, page, slot_form_html

STATUSES = ("template", "reused", "novel")
_STATUS_HELP = {
    "template": "a formula mined from many articles",
    "reused": "copied or closely paraphrased from a specific earlier article",
    "novel": "nothing like it in the corpus",
}
PANEL_MATCHES = 3  # best matches shown per sentence; more is noise in a narrow panel


# ------------------------------------------------------------------ compare page helpers
def _units(report: CompareReport) -> tuple[PassageResult, ...]:
    """The passages shown one by one: sentences, or paragraphs when there are none."""
    units = report.sentences or report.paragraphs
    return tuple(sorted(units, key=lambda r: r.passage.start))


def _rel_spans(unit: PassageResult) -> list[tuple[int, int]]:
    """Novel spans relative to the passage, clipped to it, sorted and merged."""
    s, t = unit.passage.start, unit.passage.end
    spans = sorted((max(sp.start, s) - s, min(sp.end, t) - s) for sp in unit.novel_spans)
    merged: list[list[int]] = []
    for a, b in spans:
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def _unit_text(unit: PassageResult, text: str) -> str:
    p = unit.passage
    return text[p.start : p.end] if 0 <= p.start < p.end <= len(text) else p.text


def _marked(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Escaped text with the novel spans wrapped in ``<mark class="ns">``."""
    out, pos = [], 0
    for a, b in spans:
        out.append(e(text[pos:a]) + f'<mark class="ns">{e(text[a:b])}</mark>')
        pos = b
    return "".join(out) + e(text[pos:])


def _template_info(report: CompareReport, templates: Sequence[Template]) -> dict[int, dict]:
    """What the page knows about each template used: full record if given, else the use."""
    info: dict[int, dict] = {
        u.template_id: {"id": u.template_id, "slot_form": u.slot_form, "passages": u.passages}
        for u in report.templates
    }
    for t in templates:
        if t.id in info or any(r.template_id == t.id for r in report.passages):
            info.setdefault(t.id, {"id": t.id, "passages": 0})
            info[t.id].update(
                slot_form=t.slot_form,
                kind=t.kind,
                support=t.support,
                articles=t.articles,
                first_seen=t.first_seen,
                last_seen=t.last_seen,
                sources=len(t.sources),
            )
    return info


def _unit_data(unit: PassageResult, text: str, info: dict[int, dict]) -> dict:
    tid = unit.template_id
    tpl = info.get(tid, {"id": tid, "slot_form": ""}) if tid is not None else None
    return {
        "status": unit.status,
        "novelty": round(float(unit.novelty), 4),
        "paragraph": unit.passage.paragraph,
        "text": _unit_text(unit, text),
        "spans": _rel_spans(unit),
        "template": tpl,
        "source_article": unit.source_article,
        "matches": [
            {
                "article_id": m.article_id,
                "text": m.text,
                "similarity": round(m.similarity, 4),
                "date": m.date,
                "source": m.source,
                "title": m.title,
            }
            for m in unit.matches[:PANEL_MATCHES]
        ],
    }


def _article_html(
    report: CompareReport, units: Sequence[PassageResult], info: dict[int, dict]
) -> str:
    """Paragraphs of the article, each sentence one focusable element coloured by status."""
    text = report.article.text
    para_status = {r.passage.paragraph: r.status for r in report.paragraphs}
    groups: dict[int, list[tuple[int, PassageResult]]] = {}
    for i, u in enumerate(units):
        groups.setdefault(u.passage.paragraph, []).append((i, u))
    out = []
    for pno in sorted(groups):
        members = groups[pno]
        status = para_status.get(pno, members[0][1].status)
        pieces, pos = [], members[0][1].passage.start
        for i, u in members:
            p = u.passage
            if pos < p.start:  # text between sentences (spaces) stays plain
                pieces.append(e(text[pos : p.start]))
            tid = "" if u.template_id is None else f' data-template="{u.template_id}"'
            if info.get(u.template_id, {}).get("kind") == "chrome":
                tid += ' data-kind="chrome"'
            label = f"sentence {i + 1}, {u.status}, novelty {u.novelty:.2f}"
            pieces.append(
                f'<span class="sent" id="s{i}" tabindex="0" role="button" '
                f'data-i="{i}" data-status="{e(u.status)}"{tid} aria-label="{e(label)}">'
                f"{_marked(_unit_text(u, text), _rel_spans(u))}</span>"
            )
            pos = max(pos, p.end)
        out.append(
            f'<p class="para" data-status="{e(status)}"><span class="pno" aria-hidden="true">'
            f"{pno + 1}</span>{''.join(pieces)}</p>"
        )
    return "".join(out)


def _header_html(
    report: CompareReport, units: Sequence[PassageResult], title: str, chrome: bool
) -> str:
    art = report.article
    meta = [("id", art.id), ("date", art.date), ("source", art.source), ("file", art.origin)]
    meta_html = "".join(f"<span>{k} <b>{e(v)}</b></span>" for k, v in meta if v)
    chars = {s: 0 for s in STATUSES}
    for u in units:
        chars[u.status] = chars.get(u.status, 0) + max(0, u.passage.end - u.passage.start)
    total = sum(chars.values()) or 1
    shares = "".join(
        f'<i class="{s}" style="width:{100 * chars[s] / total:.2f}%" '
        f'title="{s}: {100 * chars[s] / total:.0f}% of the text"></i>'
        for s in STATUSES
    )
    legend = "".join(
        f'<span><span class="sw {s}"></span><b>{report.counts.get(s, 0)}</b> {s} '
        f'<span class="muted">— {_STATUS_HELP[s]}</span></span>'
        for s in STATUSES
    )
    if chrome:  # only worth explaining when the article has some
        legend += (
            '<span><span class="sw chrome"></span>page chrome <span class="muted">— '
            "datelines, timestamps (a template of kind chrome)</span></span>"
        )
    return (
        '<header class="card"><div class="head"><div>'
        f'<div class="kicker">protocol_match · compare</div><h1>{e(title)}</h1>'
        f'<div class="meta">{meta_html}</div></div>'
        f'<div class="score"><div class="big" id="pm-novelty">{100 * report.novelty:.0f}%</div>'
        '<div class="lbl">novel text (share of characters)</div></div></div>'
        f'<div class="shares" aria-hidden="true">{shares}</div>'
        f'<div class="legend">{legend}<span><span class="ns-demo">underlined bold</span> '
        '<span class="muted">— words that differ from the match (new names, facts)</span>'
        "</span></div></header>"
    )


def _lists_html(report: CompareReport, info: dict[int, dict]) -> str:
    items = []
    for tid, t in sorted(info.items(), key=lambda kv: -kv[1].get("passages", 0)):
        extra = [f"{t['passages']} passage(s) here"]
        if t.get("articles"):
            extra.append(f"seen in {t['articles']} articles")
        if t.get("first_seen"):
            extra.append(f"{t['first_seen']} → {t.get('last_seen') or '?'}")
        kind = f' <span class="badge {e(t["kind"])}">{e(t["kind"])}</span>' if t.get("kind") else ""
        items.append(
            f'<li data-template-ref="{tid}"><b>#{tid}</b>{kind} '
            f'<span class="muted">{e(" · ".join(extra))}</span>'
            f'<div class="sf">{slot_form_html(t.get("slot_form") or "")}</div></li>'
        )
    tpl = (
        f'<ul class="tpl-list">{"".join(items)}</ul>'
        if items
        else ('<p class="muted">No mined template matched this article.</p>')
    )
    rows = "".join(
        f'<tr><td class="mono">{e(a.article_id)}</td><td>{e(a.title or "")}'
        f'<div class="muted">{e(" · ".join(x for x in (a.source, a.date) if x))}</div></td>'
        f'<td class="num">{a.similarity:.2f}</td><td style="width:30%"><div class="bar">'
        f'<i style="width:{max(0.0, min(1.0, a.similarity)) * 100:.0f}%"></i></div></td></tr>'
        for a in report.nearest
    )
    near = (
        "<table><tr><th>Article</th><th>Title / source</th><th class=num>Similarity</th><th></th>"
        f"</tr>{rows}</table>"
        if rows
        else '<p class="muted">No earlier article is close.</p>'
    )
    return (
        f'<div class="lists"><section class="card"><h2>Templates used ({len(info)})</h2>{tpl}'
        f'</section><section class="card"><h2>Nearest earlier articles</h2>{near}</section></div>'
    )


def _details_html(units: Sequence[PassageResult], text: str, info: dict[int, dict]) -> str:
    """Every sentence as a table row: the whole report for readers without JavaScript."""
    rows = []
    for i, u in enumerate(units):
        why = ""
        if u.template_id is not None:
            sf = info.get(u.template_id, {}).get("slot_form", "")
            why = f"template #{u.template_id}: {slot_form_html(sf)}"
        elif u.source_article:
            why = f'from <span class="mono">{e(u.source_article)}</span>'
        best = ""
        if u.matches:
            m = u.matches[0]
            who = " · ".join(x for x in (m.source, m.date, m.article_id) if x)
            best = f'{e(m.text)}<div class="muted">{e(who)} · score {m.similarity:.2f}</div>'
        rows.append(
            f'<tr id="d{i}" data-status="{e(u.status)}"><td class="num">{i + 1}</td>'
            f'<td><span class="badge {e(u.status)}">{e(u.status)}</span></td>'
            f'<td class="num">{u.novelty:.2f}</td>'
            f'<td class="txt">{_marked(_unit_text(u, text), _rel_spans(u))}</td>'
            f"<td>{why}</td><td class=txt>{best}</td></tr>"
        )
    return (
        '<section class="card"><details class="all" id="pm-all" open><summary>All sentences '
        "as a table (status, novelty, template or source, best match)</summary><table><tr>"
        "<th>#</th><th>Status</th><th class=num>Novelty</th><th>Sentence</th>"
        "<th>Template / source</th><th>Best match</th></tr>"
        f"{''.join(rows)}</table></details></section>"
    )


def render_compare_html(
    report: CompareReport,
    *,
    templates: Sequence[Template] = (),
    title: str | None = None,
    shell: Shell | None = None,
) -> str:
    """A self-contained HTML page for one compared article.

    The article is shown with every sentence coloured by status and novel spans marked;
    clicking, hovering or focusing (Tab, arrow keys) a sentence shows its verdict, the
    template's slot form and the best matching passages in a side panel. ``templates``
    (e.g. ``corpus.templates()``) adds kind, support and dates to the templates shown.
    ``shell``: what a host app puts around the page (see ``Shell``).
    """
    art = report.article
    name = title or art.title or (PurePath(art.origin).name if art.origin else None) or art.id
    units = _units(report)
    info = _template_info(report, templates)
    data = {"sentences": [_unit_data(u, art.text, info) for u in units]}
    panel = (
        '<aside class="card panel" id="pm-panel" aria-live="polite"><h2>Selected sentence</h2>'
        '<div id="pm-panel-body"><p class="hint">Click, hover or Tab to a sentence to see why '
        "it got its status and what it matched.</p><noscript><p class=hint>JavaScript is off: "
        "the table below lists every sentence with its matches.</p></noscript></div></aside>"
    )
    body = (
        _header_html(
            report,
            units,
            name,
            any(info.get(u.template_id, {}).get("kind") == "chrome" for u in units),
        )
        + f'<div class="layout"><main class="card article" id="pm-article">'
        f"{_article_html(report, units, info)}</main>{panel}</div>"
        + _lists_html(report, info)
        + _details_html(units, art.text, info)
    )
    return page(
        f"{name} — protocol_match",
        COMPARE_CSS,
        body,
        COMPARE_JS,
        json_script(data, "pm-data"),
        shell,
    )
