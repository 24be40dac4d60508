"""The web app in a real browser: Playwright driving the system Chromium that
``scripts/install_chromium.sh`` installs (never a downloaded one), headless, with a new
profile. Load the list, open an article, label a sentence and see its verdict change;
reject a template and see it go; a ``<script>`` in an article never runs; without the
token a server on another host refuses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .live_data import build_store

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):  # noqa: ANN201
    sync_api = pytest.importorskip("playwright.sync_api")
    exe = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if exe is None:
        pytest.skip("chromium is not installed: run `bash scripts/install_chromium.sh`")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=exe,
            headless=True,
            args=FLAGS,
        )
        context.set_default_timeout(20_000)
        yield context
        context.close()


@pytest.fixture
def store(tmp_path, static_embedder) -> Path:
    return build_store(tmp_path / "store", static_embedder, hostile=True)


def _serve(store: Path, workers: int = 1, **kw):  # noqa: ANN202
    from protocol_match.serve import ServerThread, ServeSettings

    # one compute process: the article pages are compared there, as in `serve`
    return ServerThread(ServeSettings.make(store, port=0, backfill=False, workers=workers, **kw))


def test_label_a_sentence_reject_a_template_and_no_script_runs(browser, store) -> None:
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with _serve(store) as url:
        page.goto(url + "/")
        assert page.locator("table.list tr").count() == 1 + 5  # header + articles
        # An article added (here through the API, as a page would) shows up in the live list.
        added = page.evaluate(
            """() => fetch('/api/compare', {method: 'POST', headers: {'Content-Type':
            'application/json', 'X-PM-Token': document.querySelector('meta[name=pm-token]')
            .content}, body: JSON.stringify({text: 'Hail hit the tea gardens of Lankaran.',
            title: 'Hail in Lankaran', add: true})}).then(r => r.status)"""
        )
        assert added == 200
        page.wait_for_selector("#pm-events li.fresh >> text=Hail in Lankaran")
        page.click("text=Visit from Georgia")
        page.wait_for_selector(".sent")
        sentence = page.locator(".sent", has_text="mountain school")
        before = sentence.get_attribute("data-status")
        assert before != "template"
        sentence.click()
        assert "mountain school" in page.inner_text("#pm-chosen")
        with page.expect_navigation():
            page.click("#pm-teach button[data-label=boilerplate]")
        sentence = page.locator(".sent", has_text="mountain school")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.sent.labelled')]"
            ".some(e => e.textContent.includes('mountain school'))"
        )
        assert sentence.get_attribute("data-status") == "template"
        assert sentence.get_attribute("data-label") == "boilerplate"

        page.goto(url + "/templates")
        row = page.locator(".tpl-table tr[id]", has_text="exchanged views").first
        row_id = row.get_attribute("id")
        with page.expect_navigation():
            row.locator("button[data-action=reject]").click()
        page.wait_for_selector(".tpl-table")
        assert page.locator(f"#{row_id}").count() == 0

        page.goto(url + "/review")
        page.wait_for_function("() => !/Loading/.test(document.querySelector('#pm-review-text')"
                               ".textContent)")  # fmt: skip
        first = page.inner_text("#pm-review-text")
        page.keyboard.press("c")
        page.wait_for_function("() => /Labelled content/.test(document.querySelector('#pm-msg')"
                               ".textContent)")  # fmt: skip
        assert page.inner_text("#pm-review-text") != first  # the next passage

        page.goto(url + "/articles/hostile-1")
        page.wait_for_selector(".sent")
        assert "<script>window.__pwned" in page.inner_text("h1")  # shown as text
        assert page.evaluate("() => window.__pwned === undefined")
        assert page.locator("img[src=x]").count() == 0 and dialogs == []
    page.close()


def test_another_host_needs_the_token(browser, store) -> None:
    page = browser.new_page()
    with _serve(store, workers=0, host="127.0.0.2") as url:
        assert page.goto(url + "/").status == 401
        assert "access token" in page.inner_text("body")
    with _serve(store, workers=0, host="127.0.0.2", token="a-test-token-123") as url:
        assert page.goto(url + "/?token=a-test-token-123").status == 200
        assert page.url == url + "/"  # the token moved into a cookie
        assert page.locator("table.list tr").count() == 6
        status = page.evaluate(
            """() => fetch('/api/labels', {method: 'POST', headers: {'Content-Type':
            'application/json'}, body: JSON.stringify({text: 'x', label: 'content'})})
            .then(r => r.status)"""
        )
        assert status == 403  # the cookie alone never allows a change
    page.close()
