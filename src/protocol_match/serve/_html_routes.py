"""The app's HTML pages: the article list, one article, the templates and one template,
the compare form, the review queue and the API docs."""

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..report import render_templates_html
from . import _jobs as jobs
from . import _pages as pages
from ._views import (
    list_filters,
    listing,
    stamp,
    template_detail,
    templates_now,
)

LIST_LIMIT = 50


def add_pages(app: Any) -> None:

    settings = app.state.settings
    token = settings.token

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def articles(request: Request, offset: int = 0) -> HTMLResponse:
        f = list_filters(request.query_params)
        data = await app.state.pool.call(lambda c: listing(c, f, LIST_LIMIT, max(0, offset)))
        body = pages.articles_body(data)
        return HTMLResponse(
            pages.app_page("Articles", body, pages.shell(token, "/", q=f["q"] or ""))
        )

    @app.get("/articles/{article_id:path}", response_class=HTMLResponse, include_in_schema=False)
    async def article(article_id: str) -> HTMLResponse:
        pool = app.state.pool
        hit = app.state.cache.get(("article", article_id, await pool.call(stamp)))
        if hit is not None:
            return HTMLResponse(hit)
        st, html = await pool.call(jobs.article_page, article_id, token, heavy=True)
        return HTMLResponse(app.state.cache.put(("article", article_id, st), html))

    @app.get("/templates", response_class=HTMLResponse, include_in_schema=False)
    async def templates() -> HTMLResponse:
        def render(corpus: Any) -> str:
            key = ("templates", stamp(corpus))
            hit = app.state.cache.get(key)
            if hit is not None:
                return hit
            found, names = templates_now(corpus)
            top = pages.templates_top(
                names, corpus.store.get_meta("templates_at_count"), corpus.store.count("article")
            )
            sh = pages.shell(token, "/templates", top)
            return app.state.cache.put(key, render_templates_html(found, shell=sh))

        return HTMLResponse(await app.state.pool.call(render))

    @app.get("/templates/{template_id}", response_class=HTMLResponse, include_in_schema=False)
    async def template(template_id: int) -> HTMLResponse:
        def render(corpus: Any) -> str:
            key = ("template", template_id, stamp(corpus))
            hit = app.state.cache.get(key)
            if hit is not None:
                return hit
            body = pages.template_body(template_detail(corpus, template_id))
            sh = pages.shell(token, "/templates")
            return app.state.cache.put(key, pages.app_page(f"Template #{template_id}", body, sh))

        return HTMLResponse(await app.state.pool.call(render))

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    async def compare_form() -> HTMLResponse:
        return HTMLResponse(
            pages.app_page("Compare", pages.compare_form(token), pages.shell(token, "/compare"))
        )

    @app.post("/compare", response_class=HTMLResponse, include_in_schema=False)
    async def compare_post(request: Request):  # noqa: ANN202 - HTML or a redirect
        from ._security import same

        form = await request.form()
        if not same(str(form.get("token") or ""), token):
            return HTMLResponse("The form's token is missing or wrong: reload the page.", 403)
        text = str(form.get("text") or "")
        upload = form.get("file")
        if upload is not None and hasattr(upload, "read"):
            raw = await upload.read(2_000_001)
            if raw:
                if len(raw) > 2_000_000:
                    raise ValueError("The file is over the 2 MB limit for one article.")
                text = raw.decode("utf-8", errors="replace")
        fields = {k: str(form.get(k) or "") or None for k in ("date", "source", "title")}
        add = bool(form.get("add"))
        try:
            new_id, html = await app.state.pool.call(
                jobs.compare_new, text, fields, add, token, heavy=True
            )
        except ValueError as exc:
            body = pages.compare_form(token, str(exc))
            return HTMLResponse(
                pages.app_page("Compare", body, pages.shell(token, "/compare")), 400
            )
        if add:
            return RedirectResponse("/articles/" + quote(new_id, safe=""), status_code=303)
        return HTMLResponse(html)

    @app.get("/review", response_class=HTMLResponse, include_in_schema=False)
    async def review() -> HTMLResponse:
        return HTMLResponse(
            pages.app_page("Review", pages.review_body(), pages.shell(token, "/review"))
        )

    @app.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(
            pages.app_page("API", pages.docs_body(app.openapi()), pages.shell(token, "/api/docs"))
        )
