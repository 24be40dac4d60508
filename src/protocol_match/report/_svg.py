"""Small inline-SVG charts for the HTML reports: a horizontal bar chart and a month timeline.

Hand-written SVG keeps reports self-contained (no JS chart library, no matplotlib at render
time). Every label goes through ``html.escape``; numbers are formatted by us.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

_MONTH = re.compile(r"^(\d{4})-(\d{2})")


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value, CSS class (e.g. ``formula``/``chrome``) and tooltip."""

    label: str
    value: float
    css: str = ""
    tooltip: str = ""


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(
    bars: Sequence[Bar],
    *,
    width: int = 1000,
    label_width: int = 520,
    row: int = 28,
    title: str = "",
) -> str:
    """A horizontal bar chart as an ``<svg>`` string; bars scale to the largest value."""
    if width <= label_width + 60:
        raise ValueError("width must leave room for the bars")
    if not bars:
        return '<p class="muted">Nothing to chart.</p>'
    top = 8
    height = top + row * len(bars) + 8
    vmax = max(b.value for b in bars) or 1.0
    span = width - label_width - 60
    colors = {"chrome": "#adb5bd", "formula": "#4c6ef5"}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}">'
    ]
    for i, b in enumerate(bars):
        y = top + i * row
        w = max(2.0, span * b.value / vmax)
        fill = colors.get(b.css, "#4c6ef5")
        out.append(f'<g class="{escape(b.css)}">')
        if b.tooltip:
            out.append(f"<title>{escape(b.tooltip)}</title>")
        out.append(
            f'<text x="{label_width - 12}" y="{y + row / 2 + 4:.1f}" text-anchor="end" '
            f'font-size="13" fill="#343a40">{escape(_short(b.label, 62))}</text>'
            f'<rect x="{label_width}" y="{y + 5}" width="{w:.1f}" height="{row - 10}" rx="4" '
            f'fill="{fill}"/>'
            f'<text x="{label_width + w + 8:.1f}" y="{y + row / 2 + 4:.1f}" font-size="13" '
            f'font-weight="600" fill="#495057">{b.value:g}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def month_of(date: str | None) -> tuple[int, int] | None:
    """``(year, month)`` of an ISO-like date string, or None when it has none."""
    if not date:
        return None
    m = _MONTH.match(date)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return int(m.group(1)), int(m.group(2))


def month_range(dates: Iterable[str | None]) -> list[tuple[int, int]]:
    """Every month from the earliest to the latest date given (empty when no dates)."""
    months = sorted({m for m in (month_of(d) for d in dates) if m is not None})
    if not months:
        return []
    (y, mo), last = months[0], months[-1]
    out = []
    while (y, mo) <= last:
        out.append((y, mo))
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
    return out


def timeline(
    dates: Sequence[str | None],
    axis: Sequence[tuple[int, int]],
    *,
    first: str | None = None,
    last: str | None = None,
    width: int = 200,
    height: int = 40,
) -> str:
    """Uses per month on a shared month ``axis``, with the first→last seen span underneath.

    A shared axis makes the rows of a table comparable at a glance.
    """
    if not axis:
        return '<span class="muted">no dates</span>'
    counts = Counter(m for m in (month_of(d) for d in dates) if m is not None)
    peak = max(counts.values(), default=1)
    slot = width / len(axis)
    base = height - 10
    index = {m: i for i, m in enumerate(axis)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="uses per month">',
        f'<line x1="0" y1="{base + 0.5}" x2="{width}" y2="{base + 0.5}" stroke="#dee2e6"/>',
    ]
    a, b = index.get(month_of(first) or (0, 0)), index.get(month_of(last) or (0, 0))
    if a is not None and b is not None:
        parts.append(
            f'<rect x="{a * slot:.1f}" y="{base + 3}" width="{max(3.0, (b - a + 1) * slot):.1f}" '
            f'height="4" rx="2" fill="#74c0fc"><title>first seen {escape(first or "")}, '
            f"last seen {escape(last or '')}</title></rect>"
        )
    for month, n in sorted(counts.items()):
        i = index.get(month)
        if i is None:
            continue
        h = max(2.0, (base - 2) * n / peak)
        parts.append(
            f'<rect x="{i * slot + 0.5:.1f}" y="{base - h:.1f}" width="{max(1.0, slot - 1):.1f}" '
            f'height="{h:.1f}" fill="#4c6ef5"><title>{month[0]}-{month[1]:02d}: {n} '
            f"use{'s' if n != 1 else ''}</title></rect>"
        )
    parts.append("</svg>")
    return "".join(parts)
