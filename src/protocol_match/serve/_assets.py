"""The web app's own stylesheet and script, served from ``/static`` (no CDN, no build step).

The script only ever writes text through ``textContent`` and builds elements with
``createElement``; data comes from the app's JSON endpoints or from
``<script type="application/json">`` blocks. Changes are POSTed with the page's token
(``<meta name="pm-token">``) in the ``X-PM-Token`` header.
"""

from __future__ import annotations

import hashlib

APP_CSS = """
.nav { background: #1d2430; color: #fff; }
.nav .in { max-width: 1440px; margin: 0 auto; padding: 10px 28px; display: flex; gap: 22px;
  align-items: center; flex-wrap: wrap; }
.nav a { color: #d0d7e2; text-decoration: none; font-weight: 600; font-size: 14px; }
.nav a.on, .nav a:hover { color: #fff; }
.nav .brand { color: #fff; font-weight: 700; letter-spacing: .02em; margin-right: 8px; }
.nav form { margin-left: auto; }
.nav input[type=search] { font: inherit; font-size: 14px; padding: 5px 10px; border-radius: 6px;
  border: 0; min-width: 260px; }
.teach { position: sticky; top: 0; z-index: 5; background: #fffbe6;
  border-bottom: 1px solid #f2d46b; }
.teach .in { max-width: 1440px; margin: 0 auto; padding: 8px 28px; display: flex; gap: 12px;
  align-items: center; flex-wrap: wrap; font-size: 14px; }
.teach .sel { flex: 1; min-width: 200px; color: #5f6b7a; overflow: hidden; white-space: nowrap;
  text-overflow: ellipsis; }
button, .btn { font: inherit; font-size: 14px; padding: 5px 12px; border-radius: 8px;
  border: 1px solid #ced4da; background: #fff; cursor: pointer; color: #1d2430; }
button:hover { border-color: #1c7ed6; }
button.b { border-color: #b6c4fb; background: #e3e9ff; }
button.c { border-color: #a9dfb3; background: #e3f6e6; }
button.x { border-color: #ffc9c9; background: #fff5f5; }
button:disabled { opacity: .5; cursor: default; }
.sent.labelled { outline: 2px dashed #f08c00; outline-offset: 1px; }
.msg { font-size: 14px; color: #5f6b7a; }
.msg.err { color: #c92a2a; }
.grid { display: grid; grid-template-columns: minmax(0, 1fr) 380px; gap: 20px; align-items: start; }
@media (max-width: 1100px) { .grid { grid-template-columns: 1fr; } }
.filters { display: flex; gap: 10px 16px; flex-wrap: wrap; align-items: end; font-size: 14px; }
.filters label { display: flex; flex-direction: column; gap: 3px; color: #5f6b7a; }
.filters input, .filters select, textarea, .form input[type=text] { font: inherit;
  font-size: 14px; padding: 5px 8px; border: 1px solid #e2e5ea; border-radius: 6px; }
.list td a, .events a, .hits a { color: #1c5fd6; text-decoration: none; }
.list td a:hover { text-decoration: underline; }
.nov { display: inline-block; min-width: 44px; text-align: right; font-weight: 700; }
.counts span { margin-right: 6px; }
.events { list-style: none; margin: 0; padding: 0; font-size: 14px; }
.events li { padding: 8px 0; border-bottom: 1px solid #e2e5ea; }
.events li.fresh { background: #fffbe6; }
.events .when { color: #868e96; font-size: 12px; }
.hits li { margin-bottom: 10px; }
.hits mark { background: #fff3bf; }
.pager { display: flex; gap: 12px; align-items: center; margin-top: 12px; font-size: 14px; }
.form textarea { width: 100%; min-height: 260px; font: 15px/1.5 Georgia, serif; }
.form .row { display: flex; gap: 12px; flex-wrap: wrap; margin: 10px 0; }
.review .text { font: 19px/1.6 Georgia, serif; margin: 14px 0; }
.review kbd { border: 1px solid #ced4da; border-bottom-width: 2px; border-radius: 4px;
  padding: 0 5px; font-size: 12px; }
.actions { display: flex; gap: 6px; margin-top: 6px; flex-wrap: wrap; }
.tname { color: #f08c00; font-weight: 600; }
.lists { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
td.txt { font-family: Georgia, serif; }
h1.sf { font-family: Georgia, serif; font-weight: 600; }
.notice { background: #fff9db; border: 1px solid #ffe066; border-radius: 8px; padding: 8px 12px;
  font-size: 14px; margin-bottom: 16px; }
"""

APP_JS = r"""
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="pm-token"]');
  var TOKEN = meta ? meta.getAttribute("content") : "";
  function $(sel) { return document.querySelector(sel); }
  function all(sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function say(text, bad) {
    var m = $("#pm-msg");
    if (m) { m.textContent = text; m.className = bad ? "msg err" : "msg"; }
  }
  // POST JSON with the token; retries while the store is busy (503: index running).
  function post(url, body, done) {
    fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-PM-Token": TOKEN},
      body: JSON.stringify(body || {})}).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (r.status === 503) {
          say((j.detail || "The store is busy") + " Retrying in 3 s\u2026", true);
          setTimeout(function () { post(url, body, done); }, 3000);
          return;
        }
        if (!r.ok) { say(j.detail || ("Error " + r.status), true); return; }
        done(j);
      });
    }).catch(function () { say("The server did not answer; retrying in 3 s\u2026", true);
      setTimeout(function () { post(url, body, done); }, 3000); });
  }

  // ---- one article: label the selected sentence
  var sentData = data("pm-data"), marks = data("pm-labels"), page = data("pm-page");
  if (sentData && page && page.article_id) {
    var chosen = null, sents = all(".sent");
    (marks && marks.labels ? Object.keys(marks.labels) : []).forEach(function (k) {
      var s = sents.filter(function (e) { return e.getAttribute("data-i") === k; })[0];
      if (s) { s.classList.add("labelled"); s.setAttribute("data-label", marks.labels[k]);
        s.title = "you labelled this " + marks.labels[k]; }
    });
    var chooseText = $("#pm-chosen");
    sents.forEach(function (s, i) {
      function pick() {
        chosen = i;
        if (chooseText) { chooseText.textContent = "Sentence " + (i + 1) + ": " +
          sentData.sentences[i].text; }
        all("#pm-teach button[data-label]").forEach(function (b) { b.disabled = false; });
      }
      s.addEventListener("click", pick);
      s.addEventListener("focus", pick);
    });
    all("#pm-teach button[data-label]").forEach(function (b) {
      b.disabled = true;
      b.addEventListener("click", function () {
        if (chosen === null) { return; }
        var label = b.getAttribute("data-label");
        say("Saving\u2026");
        post("/api/labels", {text: sentData.sentences[chosen].text, label: label,
          article_id: page.article_id}, function (j) {
          say("Saved (" + j.labels + " labels" + (j.model ? ", model fitted" : "") + ").");
          location.hash = "s" + chosen;
          location.reload();
        });
      });
    });
    var m = /^#s(\d+)$/.exec(location.hash);
    if (m && sents[+m[1]]) { sents[+m[1]].focus(); }
    all("[data-template-ref]").forEach(function (li) {
      var id = li.getAttribute("data-template-ref"), b = li.querySelector("b");
      if (b) { var a = el("a", null, b.textContent); a.href = "/templates/" + id;
        b.textContent = ""; b.appendChild(a); }
    });
  }

  // ---- templates: links, names, verdict buttons
  var names = data("pm-names") || {};
  function verdict(id, action, name) {
    var body = name === undefined ? {} : {name: name};
    post("/api/templates/" + id + "/" + action, body, function () { location.reload(); });
  }
  function buttons(box, id) {
    [["confirm", "Confirm", "b"], ["reject", "Reject", "x"], ["rename", "Rename", ""]]
      .forEach(function (a) {
        var b = el("button", a[2], a[1]);
        b.setAttribute("data-action", a[0]);
        b.addEventListener("click", function () {
          if (a[0] === "rename") {
            var n = window.prompt("Name of template #" + id, names[id] || "");
            if (n) { verdict(id, "rename", n); }
          } else { verdict(id, a[0]); }
        });
        box.appendChild(b);
      });
  }
  all(".tpl-table tr[id]").forEach(function (tr) {
    var id = tr.id.slice(1), cell = tr.querySelector("td");
    if (!cell) { return; }
    var b = cell.querySelector("b");
    if (b) { var a = el("a", null, b.textContent); a.href = "/templates/" + id;
      b.textContent = ""; b.appendChild(a); }
    if (names[id]) { cell.appendChild(el("div", "tname", names[id])); }
    var box = el("div", "actions"); buttons(box, id); cell.appendChild(box);
  });
  var one = $("#pm-template-actions");
  if (one) { buttons(one, one.getAttribute("data-id")); }
  all("[data-mine]").forEach(function (b) {
    b.addEventListener("click", function () {
      b.disabled = true; say("Mining in the background\u2026");
      post("/api/mine", {}, function (j) { say(j.message || "Started."); });
    });
  });

  // ---- what came in: poll the events
  var feed = $("#pm-events");
  function eventItem(ev) {
    var li = el("li", "fresh"), a;
    li.appendChild(el("div", "when", ev.at.replace("T", " ").slice(0, 19) + " \u00b7 " + ev.event));
    if (ev.event === "article") {
      a = el("a", null, ev.article.title || ev.article.source || ev.article.id);
      a.href = "/articles/" + encodeURIComponent(ev.article.id);
      li.appendChild(a);
      li.appendChild(el("div", "muted", "novelty " + Math.round(ev.novelty * 100) + "% \u00b7 " +
        ev.counts.template + " template, " + ev.counts.reused + " reused, " + ev.counts.novel +
        " novel"));
    } else if (ev.event === "template_new") {
      li.appendChild(el("div", null, "New formula (" + ev.stories + " stories): " + ev.wording));
    } else {
      a = el("a", null, "Template #" + ev.template.id);
      a.href = "/templates/" + ev.template.id;
      li.appendChild(a);
      li.appendChild(el("div", null, "new wording: " + ev.variant));
    }
    return li;
  }
  if (feed) {
    var after = +(feed.getAttribute("data-after") || 0);
    var poll = function () {
      fetch("/api/events?after=" + after, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {items: []}; })
        .then(function (j) {
          (j.items || []).forEach(function (ev) {
            after = Math.max(after, ev.id);
            feed.insertBefore(eventItem(ev), feed.firstChild);
          });
          var empty = $("#pm-events-empty");
          if (empty && feed.firstChild) { empty.remove(); }
        }).catch(function () {}).then(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 2000);
  }

  // ---- the review queue: one passage at a time, keys b / c / s
  var review = $("#pm-review");
  if (review) {
    var queue = [], skipped = {}, current = null;
    var text = $("#pm-review-text"), why = $("#pm-review-why");
    var show = function () {
      current = queue.shift() || null;
      if (!current) { load(); return; }
      text.textContent = current.text; why.textContent = current.why || "";
    };
    var load = function () {
      text.textContent = "Loading\u2026"; why.textContent = "";
      fetch("/api/review?n=20", {credentials: "same-origin"})
        .then(function (r) { return r.json(); }).then(function (j) {
          queue = (j.items || []).filter(function (it) { return !skipped[it.text]; });
          if (!queue.length) { text.textContent = "Nothing to review."; return; }
          show();
        });
    };
    var answer = function (key) {
      if (!current) { return; }
      if (key === "s") { skipped[current.text] = 1; show(); return; }
      var label = key === "b" ? "boilerplate" : "content", item = current;
      post("/api/labels", {text: item.text, label: label, article_id: item.article_id,
        template: item.template}, function (j) {
        say("Labelled " + label + " (" + j.labels + " labels" + (j.model ? ", model fitted" : "") +
          ")."); });
      skipped[item.text] = 1; show();
    };
    document.addEventListener("keydown", function (ev) {
      if (ev.target && /INPUT|TEXTAREA/.test(ev.target.tagName)) { return; }
      var k = ev.key.toLowerCase();
      if (k === "b" || k === "c" || k === "s") { answer(k); ev.preventDefault(); }
    });
    all("#pm-review button[data-key]").forEach(function (b) {
      b.addEventListener("click", function () { answer(b.getAttribute("data-key")); });
    });
    load();
  }
})();
"""


def version(text: str) -> str:
    """A short content hash for cache-busting ``?v=`` query strings."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


APP_JS_URL = f"/static/app.js?v={version(APP_JS)}"
APP_CSS_URL = f"/static/app.css?v={version(APP_CSS)}"
