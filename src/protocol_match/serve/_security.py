"""The app's guard, in front of every route (an ASGI middleware):

- on 127.0.0.1 the ``Host`` header must name this machine's loopback (a page on another
  site cannot reach the app through a DNS name pointing here);
- with a required token (any other host, or ``--token``), every request carries it: as
  ``Authorization: Bearer T``, an ``X-PM-Token`` header, the ``pm_token`` cookie, or once
  as ``?token=T`` (the URL ``serve`` prints), which sets the cookie and redirects;
- every change (POST) carries the token explicitly (header, or the form field of the
  compare form, checked by its route) and comes from the app's own origin (``Origin``, else
  ``Referer``); a cookie alone never allows a change;
- every response forbids framing and sniffing, and its Content-Security-Policy allows only
  the app's own script file and the reports' two inline scripts (by hash): a ``<script>``
  in an article would not run even if it were not escaped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from ..report import COMPARE_JS, TEMPLATES_JS
from ._settings import LOCAL_HOSTS, ServeSettings

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]
COOKIE = "pm_token"
FORM_TOKEN_PATHS = ("/compare",)  # routes that check a form's token field themselves
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _sha(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


CSP = (
    "default-src 'self'; "
    f"script-src 'self' {_sha(COMPARE_JS)} {_sha(TEMPLATES_JS)}; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


def same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


class Guard:
    """The middleware (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: ServeSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        problem, redirect = self.check(scope, headers)

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *HEADERS]
            await send(message)

        if redirect is not None:
            extra = [(b"location", redirect.encode()), set_cookie_header(self.settings.token)]
            await _respond(send_with_headers, 303, "", extra)
            return
        if problem is not None:
            status, text = problem
            await _respond(send_with_headers, status, text)
            return
        await self.app(scope, receive, send_with_headers)

    def check(
        self, scope: Scope, headers: dict[str, str]
    ) -> tuple[tuple[int, str] | None, str | None]:
        """(status, message) refusing the request, or a redirect that sets the cookie."""
        token = self.settings.token
        host = headers.get("host", "")
        if not self.settings.token_required and _host_name(host) not in LOCAL_HOSTS:
            return (400, f"Unexpected Host header {host!r}: open the app at 127.0.0.1."), None
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        explicit = _explicit_token(headers)
        cookie = _cookie(headers)
        method = scope["method"]
        if self.settings.token_required and not (same(explicit, token) or same(cookie, token)):
            if method == "GET" and same(query.get("token"), token):
                rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
                target = scope["path"] + (f"?{rest}" if rest else "")
                return None, target
            return (401, "This protocol_match server needs its access token: open the URL "
                    "that `protocol-match serve` printed, or send Authorization: Bearer "
                    "TOKEN."), None  # fmt: skip
        if method in SAFE_METHODS:
            return None, None
        origin = headers.get("origin") or _origin_of(headers.get("referer"))
        scheme = scope.get("scheme", "http")
        if origin is not None and origin != f"{scheme}://{host}":
            return (403, f"Cross-origin change refused (from {origin})."), None
        if same(explicit, token):
            return None, None
        if scope["path"] in FORM_TOKEN_PATHS and origin is not None:
            return None, None  # the route checks the form's token field
        return (403, "Changes need the app's token (X-PM-Token header) and its own pages."), None


async def _respond(send: Callable, status: int, text: str, extra: list | None = None) -> None:
    body = text.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *(extra or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def set_cookie_header(token: str) -> tuple[bytes, bytes]:
    """The header that remembers the token in the browser (HttpOnly, same site only)."""
    return (b"set-cookie", f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict".encode())


def _explicit_token(headers: dict[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return headers.get("x-pm-token")


def _cookie(headers: dict[str, str]) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed cookie header is no token
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _origin_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"
