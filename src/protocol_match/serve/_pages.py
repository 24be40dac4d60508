"""The app's HTML: its shell around the report pages (navigation, token, script), and its
own pages — the article list with search and the live arrivals, a template in detail, the
compare form, the review queue and the API docs. All text goes through ``report.e``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

from ..report import Shell, e, json_script, month_range, page, slot_form_html, timeline
from ..store import MARK_END, MARK_START, ArticleRow, EventRow, SearchHit
from ._assets import APP_CSS_URL, APP_JS_URL

NAV = (("/", "Articles"), ("/templates", "Templates"), ("/compare", "Compare"),
       ("/review", "Review"), ("/api/docs", "API"))  # fmt: skip


def shell(token: str, active: str, top: str = "", q: str = "") -> Shell:
    """The app's frame around a page: navigation, the page token, its stylesheet and script."""
    links = "".join(
        f'<a href="{href}"{" class=on" if href == active else ""}>{e(label)}</a>'
        for href, label in NAV
    )
    search = (
        '<form action="/" method="get" role="search"><input type="search" name="q" '
        f'value="{e(q)}" placeholder="Search passages…" aria-label="Search passages"></form>'
    )
    return Shell(
        head=f'<meta name="pm-token" content="{e(token)}">'
        f'<link rel="stylesheet" href="{APP_CSS_URL}">',
        top=f'<nav class="nav"><div class="in"><span class="brand">protocol_match</span>{links}'
        f"{search}</div></nav>{top}",
        scripts=(APP_JS_URL,),
        footer="protocol_match · local web app",
    )


def app_page(title: str, body: str, sh: Shell, data: str = "") -> str:
    return page(f"{title} — protocol_match", "", body, "", data, sh)


def teach_bar() -> str:
    return (
        '<div class="teach" id="pm-teach"><div class="in"><b>Teach</b>'
        '<span class="sel" id="pm-chosen">Click a sentence, then label it:</span>'
        '<button class="b" data-label="boilerplate">Boilerplate</button>'
        '<button class="c" data-label="content">Content</button>'
        '<span class="msg" id="pm-msg" role="status"></span></div></div>'
    )


def article_top(article_id: str, labels: dict[int, str]) -> str:
    """What the app adds above a compared stored article: the teach bar and its data."""
    return (
        teach_bar()
        + json_script({"labels": {str(k): v for k, v in labels.items()}}, "pm-labels")
        + json_script({"article_id": article_id}, "pm-page")
    )


def templates_top(names: dict[int, str], mined_at: str | None, articles: int) -> str:
    stale = ""
    if mined_at is not None and mined_at != str(articles):
        stale = (
            f'<div class="wrap" style="padding-bottom:0"><div class="notice">Templates were '
            f"mined when the store held {e(mined_at)} articles; it holds {articles} now. "
            '<button data-mine="1">Mine again</button> <span class="msg" id="pm-msg"></span>'
            "</div></div>"
        )
    msg = "" if stale else '<span class="msg" id="pm-msg" hidden></span>'
    return stale + msg + json_script({str(k): v for k, v in names.items()}, "pm-names")


# ------------------------------------------------------------------ the article list
def _nov(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _counts(summary: dict | None) -> str:
    if not summary:
        return '<span class="muted">not compared yet</span>'
    c = summary.get("counts", {})
    return '<span class="counts">' + "".join(
        f'<span class="badge {s}">{int(c.get(s, 0))} {s}</span>'
        for s in ("template", "reused", "novel")
    ) + "</span>"  # fmt: skip


def _article_rows(rows: Sequence[ArticleRow]) -> str:
    out = []
    for r in rows:
        href = "/articles/" + quote(r.id, safe="")
        name = r.title or (r.origin.rsplit("/", 1)[-1] if r.origin else None) or r.id
        out.append(
            f'<tr><td class="mono">{e(r.date or "—")}</td><td>{e(r.source or "")}</td>'
            f'<td><a href="{e(href)}">{e(name)}</a><div class="muted mono">{e(r.id)}</div></td>'
            f'<td class="num"><span class="nov">{_nov(r.novelty)}</span></td>'
            f"<td>{_counts(r.summary)}</td></tr>"
        )
    return "".join(out)


def _filters(f: dict[str, Any], sources: Sequence[tuple[str, int]]) -> str:
    opts = '<option value="">all sources</option>' + "".join(
        f'<option value="{e(s)}"{" selected" if f.get("source") == s else ""}>{e(s)} ({n})</option>'
        for s, n in sources
    )

    def val(k: str) -> str:
        v = f.get(k)
        return "" if v is None else e(v)

    return (
        '<form class="filters" method="get" action="/">'
        f'<label>Source<select name="source">{opts}</select></label>'
        f'<label>From<input type="date" name="date_from" value="{val("date_from")}"></label>'
        f'<label>To<input type="date" name="date_to" value="{val("date_to")}"></label>'
        '<label>Novelty ≥<input type="number" name="novelty_min" min="0" max="1" step="0.05" '
        f'value="{val("novelty_min")}"></label>'
        '<label>Novelty ≤<input type="number" name="novelty_max" min="0" max="1" step="0.05" '
        f'value="{val("novelty_max")}"></label>'
        f'<input type="hidden" name="q" value="{val("q")}"><button>Filter</button>'
        '<a class="btn" href="/">Clear</a></form>'
    )


def _snippet(text: str) -> str:
    return e(text).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def _hits(hits: Sequence[SearchHit], q: str) -> str:
    if not hits:
        return f'<p class="muted">No passage matches “{e(q)}”.</p>'
    items = "".join(
        f'<li><a href="/articles/{e(quote(h.article_id, safe=""))}">'
        f"{e(h.title or h.source or h.article_id)}</a> "
        f'<span class="muted">{e(h.date or "")} · paragraph {h.paragraph + 1}</span>'
        f"<div>{_snippet(h.snippet)}</div></li>"
        for h in hits
    )
    return f'<ul class="hits">{items}</ul>'


def event_line(ev: EventRow) -> str:
    when = dt.datetime.fromtimestamp(ev.at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    d = ev.data
    if ev.kind == "article":
        a = d.get("article", {})
        c = d.get("counts", {})
        body = (
            f'<a href="/articles/{e(quote(a.get("id", ""), safe=""))}">'
            f"{e(a.get('title') or a.get('source') or a.get('id'))}</a>"
            f'<div class="muted">novelty {_nov(d.get("novelty"))} · {int(c.get("template", 0))} '
            f"template, {int(c.get('reused', 0))} reused, {int(c.get('novel', 0))} novel</div>"
        )
    elif ev.kind == "template_new":
        body = f"<div>New formula ({int(d.get('stories', 0))} stories): {e(d.get('wording'))}</div>"
    else:
        t = d.get("template", {})
        body = (
            f'<a href="/templates/{int(t.get("id", 0))}">Template #{int(t.get("id", 0))}</a>'
            f"<div>new wording: {e(d.get('variant'))}</div>"
        )
    return f'<li><div class="when">{when} UTC · {e(ev.kind)}</div>{body}</li>'


def articles_body(listing: dict[str, Any]) -> str:
    f, rows, total = listing["filters"], listing["rows"], listing["total"]
    q = f.get("q") or ""
    shown = f"{len(rows)} of {total}" if total > len(rows) else str(total)
    pager = ""
    offset, limit = listing["offset"], listing["limit"]
    if total > limit:
        keep = {k: v for k, v in f.items() if v not in (None, "")}
        prev = urlencode({**keep, "offset": max(0, offset - limit)})
        nxt = urlencode({**keep, "offset": offset + limit})
        pager = (
            '<div class="pager">'
            + (f'<a class="btn" href="/?{e(prev)}">← newer</a>' if offset > 0 else "")
            + f"<span>{offset + 1}–{offset + len(rows)} of {total}</span>"
            + (f'<a class="btn" href="/?{e(nxt)}">older →</a>' if offset + limit < total else "")
            + "</div>"
        )
    search = ""
    if q:
        search = f'<section class="card"><h2>Passages matching “{e(q)}”</h2>'
        search += _hits(listing["hits"], q) + "</section>"
    events = listing["events"]
    after = max((ev.id for ev in events), default=0)
    feed = "".join(event_line(ev) for ev in events)
    empty = "" if feed else '<p class="muted" id="pm-events-empty">Nothing yet: run ' \
        "<code>protocol-match watch FOLDER</code> or add an article from Compare.</p>"  # fmt: skip
    table = (
        "<table class=list><tr><th>Date</th><th>Source</th><th>Article</th>"
        "<th class=num>Novelty</th><th>Sentences</th></tr>"
        f"{_article_rows(rows)}</table>"
        if rows
        else '<p class="muted">No article matches these filters.</p>'
    )
    return (
        '<header class="card"><div class="kicker">protocol_match · articles</div>'
        f"<h1>Articles ({e(shown)})</h1><div class=meta><span>Newest first. Novelty is the "
        "share of new text when the article was compared (on arrival, or when first shown)."
        f"</span></div><div style='margin-top:14px'>{_filters(f, listing['sources'])}</div>"
        f"</header>{search}<div class=grid><section class=card>{table}{pager}</section>"
        '<aside class="card"><h2>What came in</h2>'
        f'<ul class="events" id="pm-events" data-after="{after}">{feed}</ul>{empty}</aside></div>'
    )


# ------------------------------------------------------------------ one template
def template_body(d: dict[str, Any]) -> str:
    t = d["template"]
    name = f' <span class="tname">“{e(d["name"])}”</span>' if d["name"] else ""
    verdict = f' <span class="badge chrome">{e(d["verdict"])}ed</span>' if d["verdict"] else ""
    facts = [
        ("kind", t.kind), ("level", t.level), ("stories", t.support), ("articles", t.articles),
        ("sources", ", ".join(t.sources[:8]) + (" …" if len(t.sources) > 8 else "")),
        ("seen", f"{t.first_seen or '?'} → {t.last_seen or '?'}"),
    ]  # fmt: skip
    meta = "".join(f"<span>{k} <b>{e(v)}</b></span>" for k, v in facts)
    head = (
        f'<header class="card"><div class="kicker">protocol_match · template #{t.id}</div>'
        f'<h1 class="sf">{slot_form_html(t.slot_form or t.text)}</h1>{name}{verdict}'
        f'<div class="meta">{meta}</div><div class="actions" id="pm-template-actions" '
        f'data-id="{t.id}"></div><span class="msg" id="pm-msg"></span></header>'
    )
    fills = []
    for i, slot in enumerate(d["fills"]):
        rows = "".join(
            f'<tr><td>{e(f["fill"])}</td><td class="num">{f["count"]}</td></tr>' for f in slot
        )
        fills.append(
            f"<div><h3>Slot {i + 1}</h3><table><tr><th>Filled with</th><th class=num>Times</th>"
            f"</tr>{rows or '<tr><td colspan=2 class=muted>—</td></tr>'}</table></div>"
        )
    other = d["worded_otherwise"]
    fills_html = (
        '<div class="lists" style="grid-template-columns:repeat(auto-fill,minmax(260px,1fr))">'
        + "".join(fills)
        + "</div>"
        if fills
        else '<p class="muted">This template has no slots: every use has the same words.</p>'
    )
    if other:
        fills_html += f'<p class="muted">{other} use(s) are worded otherwise (see below).</p>'
    variants = d["variants"]
    axis = month_range([x for v in variants for x in v.dates])
    vrows = "".join(
        f'<tr><td class="mono">{e(v.first_seen or "?")} → {e(v.last_seen or "?")}</td>'
        f'<td class="num">{v.members}</td><td class="num">{v.articles}</td>'
        f"<td>{timeline(list(v.dates), axis, first=v.first_seen, last=v.last_seen)}</td>"
        f'<td class="txt">{e(v.example)}</td></tr>'
        for v in variants
    )
    arts = "".join(
        f'<tr><td class="mono">{e(a["date"] or "—")}</td><td>{e(a["source"] or "")}</td>'
        f'<td><a href="/articles/{e(quote(a["article_id"], safe=""))}">'
        f"{e(a['title'] or a['article_id'])}</a></td><td class=txt>{e(a['text'])}</td></tr>"
        for a in d["articles"][: d.get("shown", 500)]
    )
    more = len(d["articles"]) - d.get("shown", 500)
    return (
        head
        + f'<section class="card"><h2>Slot fills</h2>{fills_html}</section>'
        + f'<section class="card"><h2>Wordings over time ({len(variants)})</h2>'
        "<table><tr><th>Seen</th><th class=num>Uses</th><th class=num>Articles</th>"
        f"<th>Uses per month</th><th>Example</th></tr>{vrows}</table></section>"
        + f'<section class="card"><h2>Articles using it ({len(d["articles"])})</h2>'
        "<table class=list><tr><th>Date</th><th>Source</th><th>Article</th><th>Passage</th></tr>"
        f"{arts}</table>"
        + (
            f'<p class="muted">and {more} more (JSON: /api/templates/{t.id})</p>'
            if more > 0
            else ""
        )
        + "</section>"
    )


# ------------------------------------------------------------------ forms and docs
def compare_form(token: str, error: str = "") -> str:
    err = f'<p class="msg err">{e(error)}</p>' if error else ""
    return (
        '<header class="card"><div class="kicker">protocol_match · compare</div>'
        "<h1>Compare a new article</h1><div class=meta><span>Paste its text or upload a .txt "
        "file (a first line ` date YYYY-MM-DD ` is understood). Optionally add it to the store: "
        "it then shows in the list and the live arrivals.</span></div></header>"
        '<section class="card form"><form method="post" action="/compare" '
        'enctype="multipart/form-data">'
        f'<input type="hidden" name="token" value="{e(token)}">{err}'
        '<textarea name="text" aria-label="Article text" placeholder="Article text…"></textarea>'
        '<div class="row"><label>or a file <input type="file" name="file" accept=".txt,text/plain">'
        '</label></div><div class="row">'
        '<input type="text" name="title" placeholder="Title (optional)" aria-label="Title">'
        '<input type="text" name="source" placeholder="Source (optional)" aria-label="Source">'
        '<input type="text" name="date" placeholder="Date YYYY-MM-DD" aria-label="Date">'
        '<label><input type="checkbox" name="add" value="1"> add it to the store</label></div>'
        "<button>Compare</button></form></section>"
    )


def review_body() -> str:
    return (
        '<header class="card"><div class="kicker">protocol_match · review</div>'
        "<h1>Review queue</h1><div class=meta><span>The passages whose label helps most, one "
        "at a time: <kbd>b</kbd> boilerplate, <kbd>c</kbd> content, <kbd>s</kbd> skip. Labels "
        "are the ones `teach --export` writes.</span></div></header>"
        '<section class="card review" id="pm-review"><div class="muted" id="pm-review-why">'
        '</div><div class="text" id="pm-review-text">Loading…</div><div class="actions">'
        '<button class="b" data-key="b">Boilerplate (b)</button>'
        '<button class="c" data-key="c">Content (c)</button>'
        '<button data-key="s">Skip (s)</button></div>'
        '<p><span class="msg" id="pm-msg" role="status"></span></p></section>'
    )


def docs_body(spec: dict[str, Any]) -> str:
    rows = []
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            params = ", ".join(
                f"{p['name']}{'' if p.get('required') else '?'}" for p in op.get("parameters", [])
            )
            body = op.get("requestBody", {}).get("content", {})
            schema = next(iter(body.values()), {}).get("schema", {}) if body else {}
            ref = schema.get("$ref", "").rsplit("/", 1)[-1] or ("form" if body else "")
            rows.append(
                f'<tr><td class="mono">{e(method.upper())}</td><td class="mono">{e(path)}</td>'
                f"<td>{e(op.get('summary', ''))}<div class=muted>{e(op.get('description', ''))}"
                f'</div></td><td class="mono">{e(params)}</td><td class="mono">{e(ref)}</td></tr>'
            )
    return (
        '<header class="card"><div class="kicker">protocol_match · API</div><h1>JSON endpoints'
        "</h1><div class=meta><span>The OpenAPI document is at "
        '<a href="/api/openapi.json">/api/openapi.json</a>. Changes (POST) need the token in '
        "an <code>X-PM-Token</code> or <code>Authorization: Bearer</code> header.</span></div>"
        '</header><section class="card"><table><tr><th>Method</th><th>Path</th><th>What</th>'
        f"<th>Query</th><th>Body</th></tr>{''.join(rows)}</table></section>"
    )


def error_body(status: int, message: str) -> str:
    return (
        f'<section class="card"><h1>{status}</h1><p>{e(message)}</p>'
        '<p><a href="/">Back to the articles</a></p></section>'
    )
