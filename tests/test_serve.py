"""``serve``'s endpoints through the framework's test client: pages, the JSON schemas of the
CLI, filters and full-text search, teaching, the guard, and the store's write lock."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from .live_data import HOSTILE, NAVAL, build_store

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:Using `httpx`")
LOCAL = "http://127.0.0.1"


@pytest.fixture(scope="module")
def served_store(tmp_path_factory, static_embedder) -> Path:
    return build_store(tmp_path_factory.mktemp("serve") / "store", static_embedder, hostile=True)


@pytest.fixture
def store(served_store, tmp_path) -> Path:
    dest = tmp_path / "store"
    shutil.copytree(served_store, dest)
    return dest


def _client(store: Path, base_url: str = LOCAL, **kw):  # noqa: ANN202
    from fastapi.testclient import TestClient

    from protocol_match.serve import ServeSettings, create_app

    settings = ServeSettings.make(store, backfill=False, workers=0, **kw)
    return TestClient(create_app(settings), base_url=base_url), settings


def _post(client, settings, url: str, body=None):  # noqa: ANN001, ANN202
    headers = {"X-PM-Token": settings.token, "Origin": LOCAL}
    return client.post(url, json=body if body is not None else {}, headers=headers)


def test_pages_and_json_schemas(store) -> None:
    from protocol_match.corpus import Corpus
    from protocol_match.report import to_json

    client, _ = _client(store)
    with client:
        for path in ("/", "/templates", "/compare", "/review", "/api/docs"):
            r = client.get(path)
            assert r.status_code == 200 and "protocol_match" in r.text, path
            assert "cdn" not in r.text.lower() and "https://" not in r.text
        doc = client.get("/api/articles").json()
        assert doc["schema"] == "protocol_match.articles/1" and doc["total"] == 5
        dates = [a["date"] for a in doc["items"]]
        assert dates == sorted(dates, reverse=True)  # newest first
        one = client.get("/api/articles/visit-1").json()
        with Corpus.open(store) as corpus:  # the CLI's compare --format json of the same
            report = corpus.compare(corpus.store.article("visit-1"))
            cli_doc = json.loads(to_json("compare", report))
        assert one == cli_doc
        page = client.get("/articles/visit-1").text
        assert page.count('class="sent"') == len(one["sentences"]) and 'id="pm-teach"' in page
        templates = client.get("/api/templates").json()
        assert templates["schema"] == "protocol_match.templates/1" and templates["items"]
        tid = templates["items"][0]["id"]
        assert client.get(f"/templates/{tid}").status_code == 200
        detail = client.get(f"/api/templates/{tid}").json()
        assert detail["schema"] == "protocol_match.template/1"
        assert len(detail["articles"]) >= 3 and detail["variants"]
        assert client.get("/api/stats").json()["schema"] == "protocol_match.stats/1"
        spec = client.get("/api/openapi.json").json()
        assert {"/api/labels", "/api/compare", "/api/events", "/api/review"} <= set(spec["paths"])
        assert client.get("/articles/nope").status_code == 404
        assert client.get("/api/articles/nope").json()["detail"].startswith("Not found")


def test_filters_and_full_text_search(store) -> None:
    client, _ = _client(store)
    with client:
        by_source = client.get("/api/articles", params={"source": "source-1"}).json()
        assert {a["source"] for a in by_source["items"]} == {"source-1"}
        ranged = client.get("/api/articles", params={"date_from": "2024-02-01",
                                                     "date_to": "2024-03-31"}).json()  # fmt: skip
        assert sorted(a["id"] for a in ranged["items"]) == ["visit-1", "visit-2"]
        found = client.get("/api/search", params={"q": "Caspian naval"}).json()
        assert {h["article_id"] for h in found["items"]} == {"visit-0", "visit-1"}
        page = client.get("/", params={"q": "Caspian"}).text
        assert "<mark>Caspian</mark>" in page
        for nasty in ('"unbalanced', "AND (", "col:*", "<b>"):
            assert client.get("/api/search", params={"q": nasty}).status_code == 200
        assert client.get("/", params={"q": "<script>"}).status_code == 200
        client.get("/articles/visit-0")  # opening an article records its novelty
        low = client.get("/api/articles", params={"novelty_max": 0.9}).json()
        assert [a["id"] for a in low["items"]] == ["visit-0"] and low["items"][0]["counts"]


def test_labels_and_verdicts_as_teach_writes_them(store, tmp_path) -> None:
    from protocol_match.cli import cli

    client, settings = _client(store)
    with client:
        page = client.get("/api/articles/visit-3").json()
        sentence = next(s for s in page["sentences"] if "mountain school" in s["passage"]["text"])
        assert sentence["status"] != "template"
        r = _post(client, settings, "/api/labels", {"text": sentence["passage"]["text"],
                                                     "label": "boilerplate",
                                                     "article_id": "visit-3"})  # fmt: skip
        assert r.status_code == 200 and r.json()["labels"] == 1
        again = client.get("/api/articles/visit-3").json()
        labelled = next(s for s in again["sentences"] if "mountain school" in s["passage"]["text"])
        assert labelled["status"] == "template"
        exported = client.get("/api/labels", params={"format": "jsonl"}).text
        tid = next(t["id"] for t in client.get("/api/templates").json()["items"]
                   if "exchanged views" in t["text"])  # fmt: skip
        assert _post(client, settings, f"/api/templates/{tid}/rename", {"name": "views"}).is_success
        named = {t["id"]: t["name"] for t in client.get("/api/templates").json()["items"]}
        assert named[tid] == "views"
        assert _post(client, settings, f"/api/templates/{tid}/reject").status_code == 200
        assert tid not in {t["id"] for t in client.get("/api/templates").json()["items"]}
        queue = client.get("/api/review", params={"n": 3}).json()
        assert queue["schema"] == "protocol_match.review/1" and 0 < len(queue["items"]) <= 3
        assert all(i["label"] == "?" and i["text"] for i in queue["items"])
    out = tmp_path / "labels.jsonl"
    result = CliRunner().invoke(cli, ["teach", "--store", str(store), "--export", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == exported


def test_compare_pasted_and_added_articles(store) -> None:
    client, settings = _client(store)
    text = "Farmers in Lankaran harvested a record crop of tea this spring.\n\n" + NAVAL
    with client:
        r = _post(client, settings, "/api/compare", {"text": text})
        assert r.status_code == 200 and r.json()["schema"] == "protocol_match.compare/1"
        assert client.get("/api/articles").json()["total"] == 5  # not added
        r = _post(client, settings, "/api/compare", {"text": text, "add": True, "title": "Tea"})
        new_id = r.json()["article"]["id"]
        assert client.get("/api/articles").json()["items"][0]["title"] == "Tea"
        events = client.get("/api/events").json()["items"]
        assert [e["article"]["id"] for e in events if e["event"] == "article"] == [new_id]
        form = {"token": settings.token, "text": "Another fresh report about tea.", "add": "1"}
        r = client.post("/compare", data=form, headers={"Origin": LOCAL}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/articles/")
        upload = {"file": ("new.txt", b" date 2024-09-01 An uploaded report on tea.", "text/plain")}
        r = client.post("/compare", data={"token": settings.token}, files=upload,
                        headers={"Origin": LOCAL})  # fmt: skip
        assert r.status_code == 200 and "An uploaded report on tea." in r.text
        bad = client.post("/compare", data={**form, "token": "wrong"}, headers={"Origin": LOCAL})
        assert bad.status_code == 403
        assert _post(client, settings, "/api/compare", {"text": "   "}).status_code == 400


def test_guard_local(store) -> None:
    client, settings = _client(store)
    with client:
        r = client.get("/articles/hostile-1")
        assert "<script>window.__pwned" not in r.text and "&lt;script&gt;" in r.text
        assert "script-src 'self' 'sha256-" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY"
        body = {"text": "x", "label": "content"}
        assert client.post("/api/labels", json=body).status_code == 403  # no token
        evil = {"X-PM-Token": settings.token, "Origin": "http://evil.example"}
        assert client.post("/api/labels", json=body, headers=evil).status_code == 403
        cookie_only = client.post("/api/labels", json=body, cookies={"pm_token": settings.token})
        assert cookie_only.status_code == 403  # a cookie alone never allows a change
        rebind = client.get("/", headers={"Host": "attacker.example"})
        assert rebind.status_code == 400  # DNS rebinding
        assert client.get("/api/labels").json()["items"] == []


def test_guard_with_token_on_another_host(store) -> None:
    client, settings = _client(store, host="0.0.0.0", base_url="http://192.0.2.7:8000")
    assert settings.token_required
    with client:
        assert client.get("/").status_code == 401
        assert client.get("/api/articles").status_code == 401
        r = client.get(f"/?token={settings.token}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"
        assert "pm_token=" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
        assert client.get("/").status_code == 200  # the cookie now
        bearer = {"Authorization": f"Bearer {settings.token}"}
        assert client.get("/api/stats", headers=bearer, cookies={}).status_code == 200
        assert client.get("/?token=wrong", cookies={"pm_token": ""}).status_code == 401


def test_label_waits_for_a_running_index_and_loses_nothing(store, monkeypatch) -> None:
    from protocol_match.serve import _views
    from protocol_match.store import Store

    monkeypatch.setattr(_views, "LABEL_WAIT_S", 0.3)
    client, settings = _client(store)
    holding, release = threading.Event(), threading.Event()

    def index_running() -> None:
        with Store.open(store) as s, s.write_lock():
            holding.set()
            release.wait(10)

    writer = threading.Thread(target=index_running)
    with client:
        writer.start()
        holding.wait(10)
        body = {"text": "A sentence labelled while indexing runs.", "label": "content"}
        r = _post(client, settings, "/api/labels", body)
        assert r.status_code == 503 and r.headers["retry-after"] == "3"
        assert "not saved yet" in r.json()["detail"]
        release.set()
        writer.join(10)
        assert _post(client, settings, "/api/labels", body).status_code == 200  # the retry
        assert [x["text"] for x in client.get("/api/labels").json()["items"]] == [body["text"]]


def test_cli_serve_and_watch_errors_are_one_line(tmp_path) -> None:
    from protocol_match.cli import cli
    from protocol_match.serve import ServeSettings

    runner = CliRunner()
    for args in (["serve", "--help"], ["watch", "--help"]):
        assert runner.invoke(cli, args).exit_code == 0
    for args, needle in (
        (["serve", "--store", str(tmp_path / "none"), "--port", "0"], "No store at"),
        (["serve", "--store", str(tmp_path), "--token", "short"], "at least 8"),
        (["watch", str(tmp_path / "missing"), "--store", str(tmp_path / "s")], "not a folder"),
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert result.output.count("\n") == 1 and needle in result.output
        assert "Traceback" not in result.output
    assert ServeSettings.make(tmp_path, host="0.0.0.0").token_required
    assert not ServeSettings.make(tmp_path).token_required
    assert HOSTILE  # the hostile article is in the served store (browser and guard tests)
