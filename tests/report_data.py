"""Fixtures for the report tests: the real seed comparison, a hostile report, templates.

``seed_compare.json`` is the ``to_dict()`` of a real ``Corpus.compare`` of seed 003 against
a store holding seed 000 (matches trimmed to three per passage).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from protocol_match.records import (
    Article,
    ArticleMatch,
    CompareReport,
    Match,
    Passage,
    PassageResult,
    Span,
    Template,
    TemplateMember,
    TemplateUse,
)

DATA = Path(__file__).parent / "data" / "reports"
XSS = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'


def _result(d: dict[str, Any]) -> PassageResult:
    return PassageResult(
        passage=Passage(**d["passage"]),
        status=d["status"],
        novelty=d["novelty"],
        template_id=d["template_id"],
        source_article=d["source_article"],
        matches=tuple(Match(**m) for m in d["matches"]),
        novel_spans=tuple(Span(**s) for s in d["novel_spans"]),
    )


def report_from_dict(d: dict[str, Any]) -> CompareReport:
    """Rebuild a ``CompareReport`` from its ``to_dict()`` form."""
    return CompareReport(
        article=Article(**d["article"]),
        novelty=d["novelty"],
        counts=d["counts"],
        paragraphs=tuple(_result(p) for p in d["paragraphs"]),
        sentences=tuple(_result(s) for s in d["sentences"]),
        templates=tuple(TemplateUse(**t) for t in d["templates"]),
        nearest=tuple(ArticleMatch(**a) for a in d["nearest"]),
    )


def seed_report() -> CompareReport:
    return report_from_dict(json.loads((DATA / "seed_compare.json").read_text("utf-8")))


def _passage(level: str, index: int, para: int, start: int, text: str) -> Passage:
    return Passage("evil", level, index, para, start, start + len(text), text)  # type: ignore[arg-type]


def hostile_report() -> CompareReport:
    """Markup in every text field: article, matches, slot form, titles, ids."""
    s1 = f"The minister {XSS} welcomed the guests."
    s2 = f"Then {IMG} the sides & partners met </script><!-- at {{x}}."
    s3 = "A novel | sentence with *stars* and _under_ and `ticks`."
    p1 = s1 + " " + s2
    text = f"{p1}\n\n{s3}"
    off2 = len(s1) + 1
    off3 = len(p1) + 2
    match = Match(
        passage_id=1,
        article_id=f"a{XSS}",
        level="sentence",
        text=f"Old {IMG} text {XSS}",
        similarity=0.91,
        cosine=0.9,
        date="2024-01-02",
        source=f"src{IMG}",
        title=f"T{XSS}",
    )
    span = Span(len("The minister "), len("The minister ") + len(XSS), XSS)
    r1 = PassageResult(
        _passage("sentence", 0, 0, 0, s1),
        "template",
        0.2,
        template_id=7,
        matches=(match,),
        novel_spans=(span,),
    )
    r2 = PassageResult(
        _passage("sentence", 1, 0, off2, s2),
        "reused",
        0.4,
        source_article=f"b{IMG}",
        matches=(match,),
        novel_spans=(Span(off2 + 5, off2 + 5 + len(IMG), IMG),),
    )
    r3 = PassageResult(_passage("sentence", 2, 1, off3, s3), "novel", 1.0)
    para1 = PassageResult(
        _passage("paragraph", 0, 0, 0, p1),
        "template",
        0.3,
        template_id=7,
        novel_spans=r1.novel_spans + r2.novel_spans,
    )
    para2 = PassageResult(_passage("paragraph", 1, 1, off3, s3), "novel", 1.0)
    return CompareReport(
        article=Article("evil", text, date="2024-02-03", source=f"s{XSS}", title=f"T {IMG}"),
        novelty=0.42,
        counts={"template": 1, "reused": 1, "novel": 1},
        paragraphs=(para1, para2),
        sentences=(r1, r2, r3),
        templates=(TemplateUse(7, f"The minister {{…}} {XSS} welcomed", 1),),
        nearest=(ArticleMatch(f"n{XSS}", 0.8, "2024-01-01", f"x{IMG}", f"t{XSS}"),),
    )


def sample_templates() -> list[Template]:
    """Two formulas and one chrome template with dated members over several months."""

    def members(tid: int, texts: list[tuple[str, str]]) -> tuple[TemplateMember, ...]:
        return tuple(
            TemplateMember(tid * 100 + i, f"art{tid}-{i}", t, 0.95 - i / 100, d, f"Outlet{i % 3}")
            for i, (t, d) in enumerate(texts)
        )

    welcome = [
        (f"Colonel General {n} welcomed the guests and expressed his satisfaction.", d)
        for n, d in [
            ("Z. Hasanov", "2024-01-17"),
            ("K. Valiyev", "2024-03-02"),
            ("Z. Hasanov", "2024-03-20"),
            ("B. Ersay", "2024-06-11"),
        ]
    ]
    wreath = [
        ("The guests laid wreaths at the Alley of Honor.", "2023-11-05"),
        ("The guests laid wreaths at the Alley of Honour.", "2024-02-14"),
        ("The guests laid flowers at the Alley of Honor.", "2024-06-30"),
    ]
    chrome = [(f"{d} 17:21 (UTC+04:00)", d) for d in ("2024-01-17", "2024-04-01", "2024-05-09")]
    return [
        Template(
            3,
            "sentence",
            "formula",
            welcome[0][0],
            "Colonel General {…} welcomed the guests and expressed his satisfaction.",
            4,
            4,
            ("Outlet0", "Outlet1", "Outlet2"),
            "2024-01-17",
            "2024-06-11",
            members(3, welcome),
        ),
        Template(
            5,
            "paragraph",
            "formula",
            wreath[0][0],
            "The guests laid wreaths at the Alley of Honor.",
            3,
            3,
            ("Outlet0", "Outlet1"),
            "2023-11-05",
            "2024-06-30",
            members(5, wreath),
        ),
        Template(
            9,
            "sentence",
            "chrome",
            chrome[0][0],
            "{…} 17:21 (UTC+04:00)",
            3,
            3,
            ("Outlet0",),
            "2024-01-17",
            "2024-05-09",
            members(9, chrome),
        ),
    ]
