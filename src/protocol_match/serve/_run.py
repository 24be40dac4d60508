"""Serving the app with uvicorn: in the foreground (``serve``) or in a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

from ..errors import StoreNotFoundError
from ..store import store_exists
from ._settings import ServeSettings


def _socket(settings: ServeSettings) -> socket.socket:
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY follows
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host.strip("[]"), settings.port))
    except OSError as exc:
        sock.close()
        raise OSError(
            f"cannot listen on {settings.host}:{settings.port} ({exc.strerror})"
        ) from None
    sock.listen(128)
    return sock


def _server(settings: ServeSettings):  # noqa: ANN202 - uvicorn.Server
    import uvicorn

    from ._app import create_app

    if not store_exists(settings.store):
        raise StoreNotFoundError(
            f"No store at {settings.store}: run `protocol-match index PATH --store "
            f"{settings.store}` first."
        )
    config = uvicorn.Config(
        create_app(settings), log_level="warning", lifespan="on", access_log=False
    )
    return uvicorn.Server(config)


def urls(settings: ServeSettings, port: int) -> tuple[str, str]:
    """(the URL to open, a line about the token)."""
    base = settings.origin(port) + "/"
    if settings.token_required:
        return (
            f"{base}?token={settings.token}",
            "Every request needs the token (the URL sets a cookie; API clients send "
            "Authorization: Bearer TOKEN).",
        )
    return base, f"Changes through the API need the header X-PM-Token: {settings.token}"


def run_server(settings: ServeSettings, note: Callable[[str], None] = print) -> None:
    """Serve until interrupted; prints the URL (with the token when one is needed)."""
    server = _server(settings)
    sock = _socket(settings)
    port = sock.getsockname()[1]
    url, token_line = urls(settings, port)
    note(f"Serving {settings.store} at {url}")
    note(token_line)
    if not settings.token_required:
        note("Only this machine can connect (127.0.0.1). Ctrl-C to stop.")
    else:
        note("Listening beyond this machine: keep the token secret. Ctrl-C to stop.")
    server.run(sockets=[sock])


class ServerThread:
    """The app served in a background thread: ``with ServerThread(settings) as url: ...``."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self.server = _server(settings)
        self.sock = _socket(settings)
        self.port = self.sock.getsockname()[1]
        self.url = settings.origin(self.port)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web app did not start")
            time.sleep(0.02)
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()
