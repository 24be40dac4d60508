"""The JSON endpoints (under ``/api``, described by ``/api/openapi.json``): the same schemas
as the CLI's ``--format json`` where the CLI has the command (``protocol_match.compare/1``,
``templates/1``, ``stats/1``), and ``protocol_match.<name>/1`` documents for the rest."""

import json
from typing import Any, Literal

from fastapi import Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from ..learn import Label, load_labels
from ..report import to_json
from . import _jobs as jobs
from ._views import (
    fts_query,
    set_verdict,
    template_detail,
    templates_now,
)


class LabelIn(BaseModel):
    """A text marked boilerplate or content (one line of a `teach` file)."""

    text: str = Field(min_length=1, max_length=20_000)
    label: Literal["boilerplate", "content"]
    article_id: str | None = None
    template: str | None = None


class VerdictIn(BaseModel):
    """An optional name for the template."""

    name: str | None = Field(default=None, max_length=200)


class CompareIn(BaseModel):
    """An article to compare (and optionally add to the store)."""

    text: str = Field(min_length=1, max_length=2_000_000)
    date: str | None = None
    source: str | None = None
    title: str | None = None
    add: bool = False


def _doc(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"schema": f"protocol_match.{kind}/1", **body}


def add_api(app: Any) -> None:

    from ._views import list_filters, listing

    def pool(fn: Any, *args: Any, heavy: bool = False) -> Any:
        return app.state.pool.call(fn, *args, heavy=heavy)

    def raw(text: str) -> Response:
        return Response(text, media_type="application/json")

    @app.get("/api/articles", summary="Articles, newest first, with filters and search")
    async def api_articles(
        request: Request,
        limit: int = Query(50, ge=1, le=500),
        offset: int = Query(0, ge=0),
    ) -> JSONResponse:
        """Query: source, date_from, date_to, novelty_min, novelty_max, q (full text)."""
        f = list_filters(request.query_params)
        data = await pool(lambda c: listing(c, f, limit, offset))
        items = [
            {
                "id": r.id, "date": r.date, "source": r.source, "title": r.title,
                "origin": r.origin, "chars": r.chars, "novelty": r.novelty,
                **(r.summary or {"counts": None, "nearest": None, "story": None}),
            }
            for r in data["rows"]
        ]  # fmt: skip
        hits = [h.__dict__ for h in data["hits"]]
        return JSONResponse(_doc("articles", {"total": data["total"], "items": items,
                                              "passages": hits}))  # fmt: skip

    @app.get("/api/articles/{article_id:path}", summary="One stored article compared (compare/1)")
    async def api_article(article_id: str) -> Response:
        return raw(await pool(jobs.article_json, article_id, heavy=True))

    @app.post("/api/compare", summary="Compare a new article (compare/1); add=true stores it")
    async def api_compare(body: CompareIn) -> Response:
        fields = {"date": body.date, "source": body.source, "title": body.title}
        _, doc = await pool(jobs.compare_new, body.text, fields, body.add, None, heavy=True)
        return raw(doc)

    @app.get("/api/search", summary='Paragraphs matching words or "phrases" (full text)')
    async def api_search(q: str, limit: int = Query(50, ge=1, le=500)) -> JSONResponse:
        query = fts_query(q)
        hits = await pool(lambda c: c.store.search_passages(query, limit)) if query else []
        return JSONResponse(_doc("search", {"query": q, "items": [h.__dict__ for h in hits]}))

    @app.get("/api/templates", summary="The templates after your verdicts (templates/1)")
    async def api_templates() -> Response:
        found, names = await pool(templates_now)
        doc = json.loads(to_json("templates", found))
        for item in doc["items"]:
            item["name"] = names.get(item["id"])
        return JSONResponse(doc)

    @app.get("/api/templates/{template_id}", summary="A template: articles, fills, wordings")
    async def api_template(template_id: int) -> JSONResponse:
        d = await pool(lambda c: template_detail(c, template_id))
        t = d["template"]
        body = {
            "template": {k: v for k, v in t.to_dict().items() if k != "members"},
            "name": d["name"],
            "verdict": d["verdict"],
            "articles": d["articles"],
            "fills": d["fills"],
            "worded_otherwise": d["worded_otherwise"],
            "variants": [v.to_dict() for v in d["variants"]],
        }
        return JSONResponse(_doc("template", body))

    async def verdict(template_id: int, action: str | None, name: str | None) -> JSONResponse:
        out = await pool(lambda c: set_verdict(c, template_id, action, name))
        return JSONResponse(_doc("verdict", out))

    @app.post("/api/templates/{template_id}/confirm", summary="Confirm a template")
    async def api_confirm(template_id: int, body: VerdictIn | None = None) -> JSONResponse:
        return await verdict(template_id, "confirm", body.name if body else None)

    @app.post("/api/templates/{template_id}/reject", summary="Reject a template (hidden)")
    async def api_reject(template_id: int) -> JSONResponse:
        return await verdict(template_id, "reject", None)

    @app.post("/api/templates/{template_id}/rename", summary="Name a template")
    async def api_rename(template_id: int, body: VerdictIn) -> JSONResponse:
        if not body.name:
            raise ValueError("Give the template a name.")
        return await verdict(template_id, None, body.name)

    @app.get("/api/labels", summary="Your labels (format=jsonl: the `teach --export` file)")
    async def api_labels(format: Literal["json", "jsonl"] = "json") -> Response:
        labels = await pool(lambda c: load_labels(c.store))
        if format == "jsonl":
            lines = (json.dumps(lab.to_dict(), ensure_ascii=False) + "\n" for lab in labels)
            return PlainTextResponse("".join(lines), media_type="application/x-ndjson")
        return JSONResponse(_doc("labels", {"items": [lab.to_dict() for lab in labels]}))

    @app.post("/api/labels", summary="Label texts boilerplate or content (as `teach`)")
    async def api_add_labels(body: LabelIn | list[LabelIn]) -> JSONResponse:
        items = body if isinstance(body, list) else [body]
        labels = [
            Label(i.text.strip(), i.label, i.template or None, i.article_id or None) for i in items
        ]
        return JSONResponse(_doc("labelled", await pool(jobs.labels, labels, heavy=True)))

    @app.get("/api/review", summary="The passages whose label helps most (as `review`)")
    async def api_review(n: int = Query(20, ge=1, le=200)) -> JSONResponse:
        return JSONResponse(_doc("review", {"items": await pool(jobs.review, n, heavy=True)}))

    @app.get("/api/events", summary="What came in: watch and web events after an id")
    async def api_events(after: int = 0, limit: int = Query(100, ge=1, le=1000)) -> JSONResponse:
        from ..watch import event_json

        rows = await pool(lambda c: c.store.events(after=after, limit=limit))
        items = [event_json(r.id, r.at, r.kind, r.data) for r in rows]
        return JSONResponse(_doc("events", {"items": items}))

    @app.get("/api/stats", summary="What the store holds (stats/1)")
    async def api_stats() -> Response:
        return raw(to_json("stats", await pool(lambda c: c.stats())))

    @app.post("/api/mine", summary="Mine the templates again, in the background")
    async def api_mine() -> JSONResponse:
        running = app.state.mining
        if running is not None and not running.done():
            return JSONResponse({"started": False, "message": "Mining is already running."})

        app.state.mining = app.state.pool.submit(jobs.mine, heavy=True)
        return JSONResponse(
            {"started": True, "message": "Mining in the background; reload the page when done."}
        )
