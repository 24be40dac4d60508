"""Markdown reports: tables that stay tables, escaped text, bold novel spans."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from protocol_match.records import TemplateUse
from protocol_match.report import (
    TEXT_LIMIT,
    md_escape,
    render_compare_markdown,
    render_templates_markdown,
)

from .report_data import XSS, hostile_report, sample_templates, seed_report


def _table_rows(md: str, header_start: str) -> list[str]:
    lines = md.splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[i + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def _cells(row: str) -> int:
    """Number of cells of a GFM table row: pipes not escaped with a backslash."""
    pipes = sum(1 for i, c in enumerate(row) if c == "|" and (i == 0 or row[i - 1] != "\\"))
    return pipes - 1


def test_md_escape() -> None:
    assert md_escape("a|b *c* _d_ `e` <f> [g](h) ~i~ & j\nk") == (
        "a\\|b \\*c\\* \\_d\\_ \\`e\\` \\<f\\> \\[g\\](h) \\~i\\~ &amp; j k"
    )
    assert md_escape("# not a heading") == "\\# not a heading"
    assert md_escape("- not a list") == "\\- not a list"
    assert md_escape("3.5 per cent, 2024-01-17") == "3.5 per cent, 2024-01-17"


def test_compare_markdown_seed() -> None:
    rep = seed_report()
    md = render_compare_markdown(rep)
    assert md.startswith("## Compare: seeds/003\\_2a0c25d3f043716a.txt\n")
    assert "**Novelty 37%**" in md and "0 template · 8 reused · 6 novel" in md
    rows = _table_rows(md, "| ¶ |")
    assert len(rows) == len(rep.paragraphs) == 10
    assert all(_cells(r) == 5 for r in rows)
    assert [r.split(" | ")[1] for r in rows] == [p.status for p in rep.paragraphs]
    assert "**Turkish Deputy National Defence Celal Sami Tüfekçi**," in rows[1]
    assert "copied from `9752659e566181d7` (000\\_f20aa96fecda98fa · 2024-12-12)" in rows[1]
    assert "### Templates used\n\nNone." in md
    near = _table_rows(md, "| Article |")
    assert near == ["| `9752659e566181d7` |  | 000\\_f20aa96fecda98fa | 2024-12-12 | 0.94 |"]


def test_compare_markdown_clips_long_paragraphs() -> None:
    rep = seed_report()
    long = rep.paragraphs[-1]
    assert long.passage.end - long.passage.start > TEXT_LIMIT
    last_row = _table_rows(render_compare_markdown(rep), "| ¶ |")[-1]
    assert last_row.endswith("… |")
    assert last_row.count("**") % 2 == 0  # bold never left open by the cut


def test_compare_markdown_hostile_text_stays_in_its_cell() -> None:
    rep = hostile_report()
    md = render_compare_markdown(rep, templates=sample_templates())
    assert XSS not in md and not re.search(r"(?<!\\)[<>]", md)  # every < and > escaped
    rows = _table_rows(md, "| ¶ |")
    assert len(rows) == 2 and all(_cells(r) == 5 for r in rows)
    assert "**\\<script\\>alert(1)\\</script\\>**" in rows[0]  # novel span, escaped, bold
    assert "novel \\| sentence with \\*stars\\* and \\_under\\_" in rows[1]
    assert "- **\\#7** (1 passage(s) here): The minister {…} \\<script\\>" in md
    near = _table_rows(md, "| Article |")
    assert len(near) == 1 and _cells(near[0]) == 5


def test_compare_markdown_with_template_records() -> None:
    rep = seed_report()
    tpl = sample_templates()[0]
    para = replace(rep.paragraphs[4], status="template", template_id=tpl.id)
    rep = replace(
        rep,
        paragraphs=(*rep.paragraphs[:4], para, *rep.paragraphs[5:]),
        templates=(*rep.templates, TemplateUse(tpl.id, "stale slot form", 1)),
    )
    md = render_compare_markdown(rep, templates=sample_templates())
    row = _table_rows(md, "| ¶ |")[4]
    assert row.startswith("| 5 | template |") and f"template \\#{tpl.id}: {tpl.slot_form}" in row
    assert f"- **\\#{tpl.id}** (formula, 4 articles, 1 passage(s) here)" in md


def test_templates_markdown() -> None:
    tpls = sample_templates()
    md = render_templates_markdown(tpls)
    assert md.startswith("## Templates (3: 2 formulas, 1 page chrome)")
    rows = _table_rows(md, "| ID |")
    assert [r.split(" | ")[0] for r in rows] == ["| 3", "| 5", "| 9"]  # most articles first
    assert all(_cells(r) == 9 for r in rows)
    assert "| 3 | formula | sentence | 4 | 4 | 3 | 2024-01-17 | 2024-06-11 |" in rows[0]
    assert "### Examples" not in md


def test_templates_markdown_examples_are_distinct() -> None:
    md = render_templates_markdown(sample_templates(), examples=2)
    section = md.split("### Examples")[1]
    assert section.count("\n- ") == 6
    assert "Colonel General Z. Hasanov welcomed" in section
    assert "K. Valiyev" in section and "2024-03-20" not in section  # 2nd Hasanov is a repeat


def test_templates_markdown_empty_and_bad_args() -> None:
    assert "None yet" in render_templates_markdown([])
    with pytest.raises(ValueError):
        render_templates_markdown(sample_templates(), examples=-1)
