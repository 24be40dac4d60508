"""The FastAPI application: its lifespan (the store's worker threads, the background fill),
the guard, the static files, the HTML pages and the error pages; the JSON endpoints are
in ``_api``."""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

from .. import __version__
from ..errors import InputError, ProtocolMatchError, StoreLockedError
from ._assets import APP_CSS, APP_JS
from ._pool import Backfill, Workers
from ._security import Guard
from ._settings import ServeSettings
from ._views import Busy


class PageCache:
    """Rendered pages by (kind, key, store stamp), least recently used dropped."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: tuple, value: Any) -> Any:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def error_status(exc: BaseException) -> tuple[int, str] | None:
    """The HTTP status and message of an expected failure (None: unexpected)."""
    if isinstance(exc, KeyError):
        return 404, f"Not found: {exc.args[0] if exc.args else ''}"
    if isinstance(exc, (Busy, StoreLockedError)):
        return 503, str(exc)
    if isinstance(exc, (InputError, ValueError)):
        return 400, str(exc)
    if isinstance(exc, ProtocolMatchError):
        return 500, str(exc)
    return None


def create_app(settings: ServeSettings):  # noqa: ANN201
    """The web app over ``settings.store`` (see the package docstring)."""
    from fastapi import FastAPI, Request
    from fastapi.responses import HTMLResponse, JSONResponse, Response

    from ._api import add_api
    from ._html_routes import add_pages
    from ._pages import app_page, error_body, shell

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = Workers(settings.store, threads=2, processes=settings.workers)
        pool.submit(lambda c: c.store.ensure_feed_tables()).result()
        from . import _jobs

        # Loaded in the background while the first page is being opened.
        for _ in range(2):
            pool.submit(_jobs.warm_light)
        for _ in range(settings.workers):
            pool.submit(_jobs.warm, heavy=True)
        app.state.pool = pool
        backfill = None
        if settings.backfill:
            from ._jobs import backfill as backfill_job

            backfill = Backfill(pool, backfill_job)
            backfill.start()
        try:
            yield
        finally:
            if backfill is not None:
                backfill.stop.set()
            pool.close()

    app = FastAPI(
        title="protocol_match",
        version=__version__,
        description="Boilerplate, syndicated copies and novel passages in a store of news "
        "articles: the JSON side of `protocol-match serve`. Schemas match the CLI's "
        "`--format json` (`protocol_match.<name>/1`).",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.cache = PageCache()
    app.state.mining = None

    async def failed(request: Request, exc: Exception) -> Response:
        found = error_status(exc)
        status, message = found if found else (500, f"unexpected {type(exc).__name__}: {exc}")
        if request.url.path.startswith("/api/"):
            headers = {"Retry-After": "3"} if status == 503 else None
            return JSONResponse({"detail": message}, status_code=status, headers=headers)
        body = error_body(status, message)
        return HTMLResponse(app_page(str(status), body, shell(settings.token, "")), status)

    for kind in (KeyError, ValueError, ProtocolMatchError, Busy):
        app.add_exception_handler(kind, failed)

    @app.get("/static/app.js", include_in_schema=False)
    async def app_js() -> Response:
        return Response(APP_JS, media_type="text/javascript; charset=utf-8")

    @app.get("/static/app.css", include_in_schema=False)
    async def app_css() -> Response:
        return Response(APP_CSS, media_type="text/css; charset=utf-8")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)

    add_pages(app)
    add_api(app)
    return Guard(app, settings)
