"""Inline CSS and JavaScript for the self-contained HTML reports.

Kept as Python strings (not package data files) so a report is one string with no lookup
of files at run time and no network. The JavaScript only ever writes text through
``textContent`` and builds elements with ``createElement``: article text never reaches an
HTML parser on the client side.
"""

from __future__ import annotations

# Status colours match the terminal report (template cyan/blue, reused amber, novel green).
BASE_CSS = """
:root {
  --bg: #f4f5f7; --card: #ffffff; --ink: #1d2430; --muted: #5f6b7a; --line: #e2e5ea;
  --template: #3b5bdb; --template-bg: #e3e9ff; --template-edge: #b6c4fb;
  --reused: #d9480f; --reused-bg: #ffecd9; --reused-edge: #ffc596;
  --novel: #2b8a3e; --novel-bg: #e3f6e6; --novel-edge: #a9dfb3;
  --chrome: #868e96; --chrome-bg: #f1f3f5;
  --focus: #1c7ed6;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial, sans-serif;
  --serif: Georgia, "Liberation Serif", "Times New Roman", serif;
  --mono: ui-monospace, "SFMono-Regular", "Liberation Mono", Menlo, monospace;
}
* { box-sizing: border-box; }
html { background: var(--bg); }
body { margin: 0; font: 15px/1.5 var(--sans); color: var(--ink); }
.wrap { max-width: 1440px; margin: 0 auto; padding: 24px 28px 48px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px;
  box-shadow: 0 1px 2px rgba(16, 24, 40, .04); padding: 20px 24px; margin-bottom: 20px; }
h1 { font-size: 24px; line-height: 1.25; margin: 0 0 6px; letter-spacing: -.01em; }
h2 { font-size: 16px; margin: 0 0 12px; text-transform: uppercase; letter-spacing: .06em;
  color: var(--muted); }
.kicker { font-size: 12px; text-transform: uppercase; letter-spacing: .08em; color: var(--muted);
  margin-bottom: 4px; }
.meta { color: var(--muted); font-size: 14px; display: flex; flex-wrap: wrap; gap: 4px 18px; }
.meta b { color: var(--ink); font-weight: 600; }
.mono { font-family: var(--mono); font-size: .92em; }
td.mono, .nowrap { white-space: nowrap; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 8px 10px;
  border-bottom: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted);
  font-weight: 600; background: #fafbfc; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px;
  font-weight: 600; letter-spacing: .02em; white-space: nowrap; border: 1px solid transparent; }
.badge.template { color: var(--template); background: var(--template-bg);
  border-color: var(--template-edge); }
.badge.reused { color: var(--reused); background: var(--reused-bg);
  border-color: var(--reused-edge); }
.badge.novel { color: var(--novel); background: var(--novel-bg); border-color: var(--novel-edge); }
.badge.formula { color: var(--template); background: var(--template-bg); }
.badge.chrome { color: #495057; background: var(--chrome-bg); border-color: #dee2e6; }
.slot { display: inline-block; padding: 0 6px; margin: 0 1px; border-radius: 4px;
  background: #fff3bf; color: #8a6d00; font-family: var(--mono); font-size: .85em; }
.bar { height: 8px; background: #edf0f3; border-radius: 4px; overflow: hidden; min-width: 80px; }
.bar > i { display: block; height: 100%; background: var(--template); border-radius: 4px; }
.footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 28px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
@media print { .panel { display: none; } .layout { display: block; } html { background: #fff; } }
"""

COMPARE_CSS = """
.head { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 24px; align-items: start; }
.score { text-align: right; }
.score .big { font-size: 56px; font-weight: 700; line-height: 1; letter-spacing: -.03em; }
.score .lbl { color: var(--muted); font-size: 13px; margin-top: 4px; }
.shares { display: flex; height: 10px; border-radius: 5px; overflow: hidden; margin: 16px 0 10px;
  background: #edf0f3; }
.shares > i.template { background: var(--template); }
.shares > i.reused { background: #f08c00; }
.shares > i.novel { background: #40c057; }
.legend { display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: center; font-size: 14px; }
.legend .sw { display: inline-block; width: 14px; height: 14px; border-radius: 3px;
  vertical-align: -2px; margin-right: 6px; border: 1px solid; }
.sw.template { background: var(--template-bg); border-color: var(--template-edge); }
.sw.reused { background: var(--reused-bg); border-color: var(--reused-edge); }
.sw.chrome { background: var(--chrome-bg); border-color: #ced4da; }
.sw.novel { background: var(--novel-bg); border-color: var(--novel-edge); }
.legend .ns-demo { font-weight: 700; text-decoration: underline 2px var(--novel);
  text-underline-offset: 3px; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 440px; gap: 20px;
  align-items: start; }
@media (max-width: 1100px) { .layout { grid-template-columns: 1fr; } .panel { position: static; } }
.article { font: 18px/1.8 var(--serif); padding: 28px 36px; }
.para { position: relative; margin: 0 0 1.1em; padding-left: 18px;
  border-left: 3px solid var(--line); }
.para[data-status="template"] { border-left-color: var(--template-edge); }
.para[data-status="reused"] { border-left-color: var(--reused-edge); }
.para[data-status="novel"] { border-left-color: var(--novel-edge); }
.para .pno { position: absolute; left: -34px; top: 4px; width: 24px; text-align: right;
  font: 11px/1.4 var(--sans); color: #adb5bd; }
.sent { border-radius: 4px; padding: 2px 1px; cursor: pointer; -webkit-box-decoration-break: clone;
  box-decoration-break: clone; transition: box-shadow .12s; }
.sent[data-status="template"] { background: var(--template-bg); }
.sent[data-status="reused"] { background: var(--reused-bg); }
.sent[data-status="novel"] { background: var(--novel-bg); }
.sent[data-kind="chrome"] { background: var(--chrome-bg); color: #495057; }
.sent:hover { box-shadow: 0 0 0 2px var(--template-edge); }
.sent[data-status="reused"]:hover { box-shadow: 0 0 0 2px var(--reused-edge); }
.sent[data-status="novel"]:hover { box-shadow: 0 0 0 2px var(--novel-edge); }
.sent.active, .sent.active:hover { box-shadow: 0 0 0 2px var(--focus); }
.sent.lit { box-shadow: 0 0 0 2px var(--template); }
mark.ns { background: transparent; color: inherit; font-weight: 700;
  text-decoration: underline 2px var(--novel); text-underline-offset: 3px; }
.panel { position: sticky; top: 16px; max-height: calc(100vh - 32px); overflow: auto;
  padding: 18px 20px; }
.panel .hint { color: var(--muted); font-size: 14px; }
.panel .row { display: flex; align-items: center; gap: 10px; margin-bottom: 10px; flex-wrap: wrap; }
.panel .quote { font: 15px/1.6 var(--serif); background: #fafbfc; border: 1px solid var(--line);
  border-radius: 8px; padding: 10px 12px; margin: 6px 0 14px; }
.panel h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted);
  margin: 14px 0 6px; }
.panel .slotform { font-size: 14px; line-height: 1.6; background: #fffdf0;
  border: 1px dashed #f2d46b;
  border-radius: 8px; padding: 8px 12px; }
.match { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px;
  margin-bottom: 10px; }
.match .mh { display: flex; justify-content: space-between; gap: 8px; font-size: 12px;
  color: var(--muted); }
.match .mh b { white-space: nowrap; color: var(--ink); }
.match .mh b.who { white-space: normal; font-weight: 600; }
.match .mh .mono { font-size: 11px; }
.dw { background: #fff4e6; border-bottom: 1.5px dotted #f08c00; border-radius: 2px; }
.small { font-size: 12px; }
.match .mt { font: 14px/1.55 var(--serif); margin-top: 6px; }
.match .bar { margin-top: 8px; }
.match .bar > i { background: #f08c00; }
.kv { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; font-size: 14px; }
.kv dt { color: var(--muted); } .kv dd { margin: 0; }
.lists { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
@media (max-width: 1100px) { .lists { grid-template-columns: 1fr; } }
.tpl-list { list-style: none; margin: 0; padding: 0; }
.tpl-list li { padding: 10px 0; border-bottom: 1px solid var(--line); cursor: default; }
.tpl-list li:last-child { border-bottom: 0; }
.tpl-list .sf { font: 15px/1.55 var(--serif); margin-top: 4px; }
details.all summary { cursor: pointer; font-weight: 600; }
details.all table { margin-top: 12px; font-size: 14px; }
details.all td.txt { font-family: var(--serif); }
"""

TEMPLATES_CSS = """
.summary { display: flex; flex-wrap: wrap; gap: 12px 36px; margin-top: 14px; }
.summary .k { font-size: 28px; font-weight: 700; line-height: 1.1; }
.summary .l { color: var(--muted); font-size: 13px; }
.controls { display: flex; gap: 20px; align-items: center; flex-wrap: wrap; margin-top: 16px; }
.controls label { font-size: 14px; cursor: pointer; user-select: none; }
.controls input[type=search] { font: inherit; padding: 6px 10px; border: 1px solid var(--line);
  border-radius: 8px; min-width: 280px; }
body:has(#hide-chrome:checked) .chrome { display: none; }
body.hide-chrome .chrome { display: none; }
svg text { font-family: var(--sans); }
.chart svg { width: 100%; height: auto; display: block; }
.tpl-table td.sf { font: 15px/1.55 var(--serif); min-width: 320px; }
.tpl-table tr.chrome td { background: #fafafa; }
.tpl-table tr.chrome td.sf { color: #495057; }
.ex { list-style: none; margin: 8px 0 0; padding: 0; font: 13px/1.45 var(--sans);
  color: var(--muted); }
.ex li { margin-top: 4px; padding-left: 10px; border-left: 2px solid var(--line); }
.ex .src { font-size: 11px; color: #868e96; }
.ex details summary { cursor: pointer; font-size: 12px; }
.ex details li { border-left-color: #f1f3f5; }
.timeline svg { display: block; }
.section-note { color: var(--muted); font-size: 14px; margin: -6px 0 12px; }
"""

COMPARE_JS = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("pm-data").textContent);
  var body = document.getElementById("pm-panel-body");
  var sents = Array.prototype.slice.call(document.querySelectorAll(".sent"));
  var pinned = null;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function pct(x) { return Math.round(x * 100) + "%"; }
  function bar(x) {
    var b = el("div", "bar"), i = el("i");
    i.style.width = Math.max(0, Math.min(100, x * 100)) + "%";
    b.appendChild(i); return b;
  }
  function slotForm(text) {
    var box = el("div", "slotform"), re = /\{[^{}]*\}/g, last = 0, m;
    while ((m = re.exec(text)) !== null) {
      box.appendChild(document.createTextNode(text.slice(last, m.index)));
      box.appendChild(el("span", "slot", m[0]));
      last = m.index + m[0].length;
    }
    box.appendChild(document.createTextNode(text.slice(last)));
    return box;
  }
  function quote(s) {
    var q = el("div", "quote"), last = 0;
    s.spans.forEach(function (sp) {
      q.appendChild(document.createTextNode(s.text.slice(last, sp[0])));
      q.appendChild(el("mark", "ns", s.text.slice(sp[0], sp[1])));
      last = sp[1];
    });
    q.appendChild(document.createTextNode(s.text.slice(last)));
    return q;
  }
  var WORD = /[\p{L}\p{N}]+/gu;
  function diffText(text, ref) {
    // words of the match missing from the sentence, merged into runs across spaces/punctuation
    var have = new Set((ref.toLowerCase().match(WORD) || []));
    var box = el("div", "mt"), last = 0, runA = -1, runB = -1, m;
    function flush() {
      if (runA < 0) { return; }
      box.appendChild(document.createTextNode(text.slice(last, runA)));
      box.appendChild(el("span", "dw", text.slice(runA, runB)));
      last = runB; runA = -1;
    }
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text)) !== null) {
      if (have.has(m[0].toLowerCase())) { flush(); continue; }
      if (runA >= 0 && !/^[\s,.;:'"()\u2019\u2014-]*$/.test(text.slice(runB, m.index))) { flush(); }
      if (runA < 0) { runA = m.index; }
      runB = m.index + m[0].length;
    }
    flush();
    box.appendChild(document.createTextNode(text.slice(last)));
    return box;
  }
  function show(i) {
    var s = data.sentences[i];
    while (body.firstChild) { body.removeChild(body.firstChild); }
    var row = el("div", "row");
    row.appendChild(el("span", "badge " + s.status, s.status));
    row.appendChild(el("span", "muted", "sentence " + (i + 1) + " of " + data.sentences.length +
      " \u00b7 paragraph " + (s.paragraph + 1)));
    body.appendChild(row);
    var nv = el("div", "row");
    nv.appendChild(el("span", null, "novelty " + pct(s.novelty)));
    var b = bar(s.novelty); b.style.flex = "1"; b.firstChild.style.background = "#40c057";
    nv.appendChild(b);
    body.appendChild(nv);
    body.appendChild(quote(s));
    if (s.template) {
      body.appendChild(el("h3", null, "Template #" + s.template.id +
        (s.template.kind ? " \u00b7 " + s.template.kind : "")));
      body.appendChild(slotForm(s.template.slot_form));
      if (s.template.articles) {
        body.appendChild(el("div", "muted", "seen in " + s.template.articles + " articles" +
          (s.template.first_seen ? ", " + s.template.first_seen + " \u2192 " +
            (s.template.last_seen || "?") : "")));
      }
    }
    if (s.source_article) {
      body.appendChild(el("h3", null, "Copied from"));
      var src = s.matches.filter(function (m) { return m.article_id === s.source_article; })[0];
      if (src) {
        body.appendChild(el("div", null, [src.source, src.date, src.title].filter(Boolean)
          .join(" \u00b7 ")));
      }
      body.appendChild(el("div", "mono muted", s.source_article));
    }
    body.appendChild(el("h3", null,
      s.matches.length ? "Best matches in the corpus" : "No match in the corpus"));
    s.matches.forEach(function (m) {
      var card = el("div", "match"), h = el("div", "mh"), who = el("span");
      who.appendChild(el("b", "who", [m.source, m.date].filter(Boolean).join(" \u00b7 ") ||
        m.article_id));
      who.appendChild(el("div", "mono", m.article_id));
      h.appendChild(who);
      h.appendChild(el("b", null, "score " + m.similarity.toFixed(2)));
      card.appendChild(h);
      if (m.title) { card.appendChild(el("div", "muted", m.title)); }
      card.appendChild(diffText(m.text, s.text));
      card.appendChild(bar(m.similarity));
      body.appendChild(card);
    });
    if (s.matches.length) {
      var note = el("div", "muted small");
      note.appendChild(el("span", "dw", "highlighted"));
      note.appendChild(document.createTextNode(" words of a match are not in this sentence."));
      body.appendChild(note);
    }
  }
  function activate(i, pin) {
    if (pin) { pinned = i; }
    sents.forEach(function (e, j) { e.classList.toggle("active", j === pinned); });
    show(i);
  }
  sents.forEach(function (e, i) {
    e.addEventListener("click", function () { activate(i, true); });
    e.addEventListener("focus", function () { activate(i, true); });
    e.addEventListener("mouseenter", function () { show(i); });
    e.addEventListener("mouseleave", function () { if (pinned !== null) { show(pinned); } });
    e.addEventListener("keydown", function (ev) {
      var k = ev.key, j = null;
      if (k === "Enter" || k === " ") { activate(i, true); ev.preventDefault(); }
      else if (k === "ArrowDown" || k === "ArrowRight" || k === "j") {
        j = Math.min(i + 1, sents.length - 1);
      }
      else if (k === "ArrowUp" || k === "ArrowLeft" || k === "k") { j = Math.max(i - 1, 0); }
      if (j !== null) { sents[j].focus(); ev.preventDefault(); }
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-template-ref]"), function (li) {
    var id = li.getAttribute("data-template-ref");
    function lit(on) {
      sents.forEach(function (e) {
        e.classList.toggle("lit", on && e.getAttribute("data-template") === id);
      });
    }
    li.addEventListener("mouseenter", function () { lit(true); });
    li.addEventListener("mouseleave", function () { lit(false); });
  });
  var all = document.getElementById("pm-all");
  if (all) { all.open = false; }
  // open on the most telling sentence: a formula, else a reused one, else the first
  function find(ok) { return data.sentences.findIndex(ok); }
  var first = find(function (x) {
    return x.status === "template" && !(x.template && x.template.kind === "chrome");
  });
  if (first < 0) { first = find(function (x) { return x.status === "reused"; }); }
  if (sents.length) { activate(first < 0 ? 0 : first, true); }
})();
"""

TEMPLATES_JS = r"""
(function () {
  "use strict";
  var box = document.getElementById("hide-chrome");
  function sync() { document.body.classList.toggle("hide-chrome", box.checked); }
  if (box) { box.addEventListener("change", sync); sync(); }
  var q = document.getElementById("tpl-filter");
  if (q) {
    q.addEventListener("input", function () {
      var needle = q.value.toLowerCase();
      Array.prototype.forEach.call(document.querySelectorAll("tr[data-text]"), function (tr) {
        tr.hidden = needle !== "" && tr.getAttribute("data-text").indexOf(needle) < 0;
      });
    });
  }
})();
"""
