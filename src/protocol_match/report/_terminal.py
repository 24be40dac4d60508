"""Terminal and JSON rendering of results (tables with rich; JSON with a stable schema)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..records import CompareReport, DuplicateGroup, Match, StoreStats, Template

COMPARE_SCHEMA = "protocol_match.compare/1"
STATUS_STYLE = {"template": "cyan", "reused": "yellow", "novel": "green"}


def to_json(kind: str, payload: Any) -> str:
    """JSON document with a schema tag: ``{"schema": "protocol_match.<kind>/1", ...}``."""
    if isinstance(payload, list):
        body: dict[str, Any] = {"items": [p.to_dict() for p in payload]}
    else:
        body = payload.to_dict()
    return json.dumps({"schema": f"protocol_match.{kind}/1", **body}, ensure_ascii=False, indent=2)


def _highlight(text: str, start: int, spans: Sequence, base_style: str) -> Text:
    """The passage text with novel spans (absolute offsets) in bold reverse."""
    out = Text(text, style=base_style)
    for sp in spans:
        a, b = sp.start - start, sp.end - start
        if 0 <= a < b <= len(text):
            out.stylize("bold reverse", a, b)
    return out


def print_compare(report: CompareReport, console: Console, *, level: str = "paragraph") -> None:
    """Per-passage table: status, novelty, match and source, novel spans highlighted."""
    art = report.article
    head = f"[bold]{art.title or art.id}[/bold]"
    if art.date:
        head += f"  {art.date}"
    if art.source:
        head += f"  {art.source}"
    console.print(head)
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(report.counts.items()))
    console.print(f"Novelty [bold]{report.novelty:.2f}[/bold] (share of novel text)   {counts}")
    rows = report.paragraphs if level == "paragraph" else report.sentences
    table = Table(show_lines=True, expand=True)
    table.add_column("#", justify="right", width=3)
    table.add_column("status", width=9)
    table.add_column("novelty", justify="right", width=7)
    table.add_column("text (novel spans highlighted)", ratio=3)
    table.add_column("best match", ratio=2)
    for r in rows:
        style = STATUS_STYLE[r.status]
        p = r.passage
        label = r.status + (f"\nT{r.template_id}" if r.template_id is not None else "")
        table.add_row(
            str(p.index + 1),
            Text(label, style=f"bold {style}"),
            f"{r.novelty:.2f}",
            _highlight(p.text, p.start, r.novel_spans, ""),
            _match_cell(r.matches[0]) if r.matches else Text("—", style="dim"),
        )
    console.print(table)
    if report.templates:
        console.print("[bold]Templates used[/bold]")
        for t in report.templates:
            console.print(f"  T{t.template_id} ×{t.passages}  {t.slot_form}")
    if report.nearest:
        console.print("[bold]Nearest earlier articles[/bold]")
        for a in report.nearest:
            meta = " ".join(x for x in (a.date, a.source) if x)
            console.print(f"  {a.similarity:.3f}  {a.article_id}  {meta}")


def _match_cell(m: Match) -> Text:
    meta = " ".join(x for x in (m.date, m.source or m.article_id) if x)
    out = Text(f"{m.similarity:.2f} ", style="bold")
    out.append(meta + "\n", style="dim")
    out.append(m.text if len(m.text) <= 120 else m.text[:119] + "…")
    return out


def print_templates(templates: Sequence[Template], console: Console, *, examples: int = 1) -> None:
    table = Table(expand=True, show_lines=True)
    for col, kw in (
        ("id", {"justify": "right"}),
        ("kind", {}),
        ("support", {"justify": "right"}),
        ("seen", {}),
        ("slot form", {"ratio": 3}),
    ):
        table.add_column(col, **kw)
    for t in templates:
        seen = f"{t.first_seen or '?'} → {t.last_seen or '?'}"
        body = Text(t.slot_form)
        for m in t.members[1 : 1 + examples]:
            body.append(f"\n  e.g. {m.text}", style="dim")
        table.add_row(
            f"T{t.id}", f"{t.kind}\n{t.level}", f"{t.support} ({t.articles} art.)", seen, body
        )
    console.print(table)
    console.print(f"{len(templates)} templates")


def print_matches(matches: Sequence[Match], console: Console) -> None:
    table = Table(expand=True)
    table.add_column("score", justify="right")
    table.add_column("cosine", justify="right")
    table.add_column("article")
    table.add_column("text", ratio=3)
    for m in matches:
        table.add_row(f"{m.similarity:.3f}", f"{m.cosine:.3f}", m.article_id, m.text)
    console.print(table)


def print_duplicates(groups: Sequence[DuplicateGroup], console: Console) -> None:
    if not groups:
        console.print("No near-duplicate articles found.")
        return
    for i, g in enumerate(groups, 1):
        console.print(f"[bold]Group {i}[/bold] ({len(g.articles)} articles)")
        for pair in g.pairs:
            console.print(f"  {pair.score:.3f}  {pair.a} ~ {pair.b}")


def print_stats(stats: StoreStats, console: Console) -> None:
    table = Table(show_header=False)
    for key, value in stats.to_dict().items():
        table.add_row(key.replace("_", " "), str(value))
    console.print(table)
