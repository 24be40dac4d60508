"""Reports: results as terminal tables, JSON, Markdown and self-contained HTML pages.

Rendering only, from the ``records`` types: ``_terminal`` (rich tables and the JSON of every
command, with its stable schema names), ``_markdown``, ``_compare_page`` and
``_templates_page`` (one self-contained HTML file each, with ``_html``'s page helpers,
``_svg`` charts and ``_assets``' inline CSS and JavaScript). A host app wraps the pages in
its own ``Shell`` (navigation, scripts) and builds its pages with ``page`` and ``e``.
"""

from ._assets import COMPARE_JS, TEMPLATES_JS
from ._compare_page import render_compare_html
from ._html import Shell, e, json_script, page, slot_form_html
from ._markdown import TEXT_LIMIT, md_escape, render_compare_markdown, render_templates_markdown
from ._svg import Bar, bar_chart, month_range, timeline
from ._templates_page import render_templates_html
from ._terminal import (
    COMPARE_SCHEMA,
    print_compare,
    print_duplicates,
    print_matches,
    print_stats,
    print_templates,
    to_json,
)

__all__ = [
    "COMPARE_JS",
    "COMPARE_SCHEMA",
    "TEMPLATES_JS",
    "TEXT_LIMIT",
    "Bar",
    "Shell",
    "bar_chart",
    "e",
    "json_script",
    "md_escape",
    "month_range",
    "page",
    "print_compare",
    "print_duplicates",
    "print_matches",
    "print_stats",
    "print_templates",
    "render_compare_html",
    "render_compare_markdown",
    "render_templates_html",
    "render_templates_markdown",
    "slot_form_html",
    "timeline",
    "to_json",
]
