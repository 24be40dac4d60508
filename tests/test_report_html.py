"""HTML reports: structure, escaping, inline SVG, and a real headless Chromium render."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from protocol_match.report import (
    Bar,
    bar_chart,
    json_script,
    month_range,
    render_compare_html,
    render_templates_html,
    slot_form_html,
    timeline,
)

from .report_data import IMG, XSS, hostile_report, sample_templates, seed_report

STATUSES = {"template", "reused", "novel"}


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside each <script>."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data

    def having(self, tag: str | None = None, **attr: str) -> list[dict[str, str | None]]:
        key = {k.replace("_", "-"): v for k, v in attr.items()}
        return [
            a
            for t, a in self.tags
            if (tag is None or t == tag) and all(a.get(k) == v for k, v in key.items())
        ]


def _sentences(tags: Tags) -> list[dict[str, str | None]]:
    return [a for t, a in tags.tags if "sent" in (a.get("class") or "").split()]


def _data(tags: Tags) -> dict:
    return json.loads(tags.scripts[0])


# ------------------------------------------------------------------------- compare page
def test_compare_page_has_one_focusable_element_per_sentence() -> None:
    rep = seed_report()
    tags = Tags(render_compare_html(rep))
    sents = _sentences(tags)
    assert len(sents) == len(rep.sentences) == 14
    assert all(a["data-status"] in STATUSES and a["tabindex"] == "0" for a in sents)
    assert [a["data-status"] for a in sents] == [r.status for r in rep.sentences]
    assert tags.having(id="pm-panel") and tags.having(id="pm-novelty")
    assert tags.having("details", id="pm-all")  # no-JS fallback table
    assert len(tags.having("tr", data_status="reused")) == rep.counts["reused"]


def test_compare_page_shows_header_score_and_novel_spans() -> None:
    rep = seed_report()
    html = render_compare_html(rep)
    assert '<div class="big" id="pm-novelty">37%</div>' in html
    assert rep.article.id in html and "2024-01-17" in html
    assert '<mark class="ns">Turkish Deputy National Defence Celal Sami Tüfekçi</mark>' in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html  # self-contained: nothing to fetch


def test_compare_data_block_matches_the_sentences() -> None:
    rep = seed_report()
    data = _data(Tags(render_compare_html(rep)))
    assert len(data["sentences"]) == len(rep.sentences)
    for d, r in zip(data["sentences"], rep.sentences, strict=True):
        assert d["text"] == rep.article.text[r.passage.start : r.passage.end]
        assert d["status"] == r.status
        assert len(d["matches"]) <= 3
        for a, b in d["spans"]:
            assert 0 <= a < b <= len(d["text"])


def test_compare_uses_full_template_records_when_given() -> None:
    rep = seed_report()
    tpl = sample_templates()[0]
    first = replace(rep.sentences[1], status="template", template_id=tpl.id)
    rep = replace(rep, sentences=(rep.sentences[0], first, *rep.sentences[2:]))
    html = render_compare_html(rep, templates=sample_templates(), title="Custom title")
    tags = Tags(html)
    assert "<h1>Custom title</h1>" in html
    assert tags.having("span", data_template=str(tpl.id))
    info = _data(tags)["sentences"][1]["template"]
    assert info["slot_form"] == tpl.slot_form and info["articles"] == 4
    assert '<span class="slot">{…}</span>' in html


def test_compare_falls_back_to_paragraphs_without_sentences() -> None:
    rep = replace(seed_report(), sentences=())
    assert len(_sentences(Tags(render_compare_html(rep)))) == len(rep.paragraphs)


# ----------------------------------------------------------------------------- escaping
def test_hostile_text_is_never_live_markup() -> None:
    rep = hostile_report()
    for html in (
        render_compare_html(rep, templates=sample_templates()),
        render_compare_html(rep, title=XSS),
    ):
        tags = Tags(html)
        assert not tags.having("img")
        assert [a.get("type") for a in tags.having("script")] == ["application/json", None]
        assert "alert" not in tags.scripts[1]  # the page script is ours only
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "innerHTML" not in html and "outerHTML" not in html
        assert "insertAdjacentHTML" not in html and "document.write" not in html
        raw = html.split('<script type="application/json" id="pm-data">')[1].split("</script>")[0]
        assert "<" not in raw and ">" not in raw and "&" not in raw.replace("\\u0026", "")
        data = json.loads(raw)
        assert data["sentences"][0]["text"] == rep.sentences[0].passage.text  # round-trips


def test_json_script_escapes_closing_tags() -> None:
    out = json_script({"t": "</script><!-- & \u2028"}, "x")
    body = out[len('<script type="application/json" id="x">') : -len("</script>")]
    assert "</" not in body and json.loads(body) == {"t": "</script><!-- & \u2028"}


def test_templates_page_escapes_template_text() -> None:
    t = replace(sample_templates()[0], slot_form=f"{XSS} {{…}} {IMG}", text=XSS, sources=(IMG,))
    tags = Tags(render_templates_html([t], title=IMG))
    assert not tags.having("img")
    assert len(tags.having("script")) == 1


# ------------------------------------------------------------------------ templates page
def test_templates_page_structure() -> None:
    tpls = sample_templates()
    html = render_templates_html(tpls)
    tags = Tags(html)
    assert tags.having("input", id="hide-chrome", type="checkbox")
    assert len(tags.having("tr", **{"class": "formula"})) == 2
    assert len(tags.having("tr", **{"class": "chrome"})) == 1
    assert tags.having("section", **{"class": "card chrome"})
    assert len(tags.having("svg")) == 1 + len(tpls)  # bar chart + one timeline per template
    assert "2023-11-05 → 2024-06-30" in html
    assert "2024-03: 2 uses" in html  # welcome template twice in March 2024
    assert html.count("<li>") >= 2 * 3  # example members


def test_templates_page_without_templates() -> None:
    html = render_templates_html([])
    assert "No templates yet" in html and "<svg" not in html


def test_slot_form_html_marks_slots() -> None:
    assert slot_form_html("A {…} b <i>") == 'A <span class="slot">{…}</span> b &lt;i&gt;'


def test_svg_helpers() -> None:
    assert month_range(["2024-11-30", None, "bad", "2025-02-01"]) == [
        (2024, 11),
        (2024, 12),
        (2025, 1),
        (2025, 2),
    ]
    assert month_range([None]) == []
    assert "no dates" in timeline(["2024-01-01"], [])
    svg = timeline(["2024-01-05", "2024-01-09"], month_range(["2024-01-01", "2024-03-01"]))
    assert svg.count("<rect") == 1 and "2024-01: 2 uses" in svg
    chart = bar_chart([Bar("<b>x</b>", 3), Bar("y", 1, "chrome")])
    assert "&lt;b&gt;" in chart and chart.count("<rect") == 2
    with pytest.raises(ValueError):
        bar_chart([Bar("x", 1)], width=100)


# ------------------------------------------------------------------- real browser (Chromium)
def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if not found:
        pytest.fail(
            "chromium is not installed: run `bash scripts/install_chromium.sh` "
            "(apt-get install chromium) to enable the HTML report browser tests"
        )
    return found


def _browser(tmp: Path, page: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp / 'profile'}",
        "--window-size=1280,1600",
        "--enable-logging=stderr",
        "--v=0",
        *mode,
        page.as_uri(),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Uncaught" not in out.stderr, out.stderr[-2000:]  # no JavaScript error
    return out


def _screenshot_stats(png: Path) -> tuple[int, float, set[tuple[int, int, int]]]:
    """Distinct colours, share of non-white pixels, and the set of colours of a screenshot."""
    import numpy as np
    from PIL import Image

    img = Image.open(png).convert("RGB")
    assert img.size == (1280, 1600)
    px = np.asarray(img).reshape(-1, 3).astype(np.int32)
    codes = np.unique((px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2])
    colours = {(int(c) >> 16, (int(c) >> 8) & 255, int(c) & 255) for c in codes}
    non_white = float((px.sum(axis=1) < 735).mean())
    return len(colours), non_white, colours


def _near(colours: set[tuple[int, int, int]], hex_rgb: str, tol: int = 6) -> bool:
    r, g, b = (int(hex_rgb[i : i + 2], 16) for i in (1, 3, 5))
    return any(abs(c[0] - r) + abs(c[1] - g) + abs(c[2] - b) <= tol for c in colours)


def test_compare_page_in_chromium(tmp_path: Path) -> None:
    page = tmp_path / "compare.html"
    page.write_text(render_compare_html(seed_report()), "utf-8")
    png = tmp_path / "compare.png"
    _browser(tmp_path, page, f"--screenshot={png}")
    distinct, non_white, colours = _screenshot_stats(png)
    assert distinct > 200 and non_white > 0.15, (distinct, non_white)
    assert _near(colours, "#ffecd9") and _near(colours, "#e3f6e6")  # reused + novel painted
    dom = _browser(tmp_path, page, "--dump-dom").stdout
    tags = Tags(dom)
    assert len(_sentences(tags)) == 14
    assert tags.having(id="pm-novelty") and "37%" in dom
    # the script ran: it pinned a sentence and filled the panel with its matches
    assert len(tags.having("span", **{"class": "sent active"})) == 1
    assert "Best matches in the corpus" in dom and 'class="match"' in dom
    assert not tags.having("details", id="pm-all", open="")  # collapsed by the script


def test_hostile_page_in_chromium(tmp_path: Path) -> None:
    page = tmp_path / "evil.html"
    page.write_text(render_compare_html(hostile_report(), templates=sample_templates()), "utf-8")
    dom = _browser(tmp_path, page, "--dump-dom").stdout
    tags = Tags(dom)
    assert not tags.having("img")
    assert len(tags.having("script")) == 2
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # shown as text, also in the panel
    panel = dom.split('id="pm-panel-body"')[1]
    assert "&lt;img src=x" in panel


def test_templates_page_in_chromium(tmp_path: Path) -> None:
    page = tmp_path / "templates.html"
    page.write_text(render_templates_html(sample_templates()), "utf-8")
    png = tmp_path / "templates.png"
    _browser(tmp_path, page, f"--screenshot={png}")
    distinct, non_white, colours = _screenshot_stats(png)
    assert distinct > 100 and non_white > 0.04, (distinct, non_white)
    assert _near(colours, "#4c6ef5")  # bars drawn
    dom = _browser(tmp_path, page, "--dump-dom").stdout
    tags = Tags(dom)
    assert len(tags.having("svg")) == 4
    assert re.search(r'<tr class="chrome" id="t9"', dom)


def test_compare_page_without_javascript_in_chromium(tmp_path: Path) -> None:
    html = render_compare_html(seed_report())
    start, end = html.rindex("<script>"), html.rindex("</script>") + len("</script>")
    page = tmp_path / "nojs.html"
    page.write_text(html[:start] + html[end:], "utf-8")  # as if JavaScript were off
    tags = Tags(_browser(tmp_path, page, "--dump-dom").stdout)
    assert tags.having("details", id="pm-all", open="")  # the table stays open
    assert len(tags.having("tr", data_status="novel")) == 6
    assert len(_sentences(tags)) == 14
