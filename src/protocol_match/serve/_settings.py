"""How the web app runs: store, address, token, workers; and whether a host is local."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_local(host: str) -> bool:
    """Whether the app listens on this machine's loopback only (the safe default)."""
    return host.strip("[]").lower() in LOCAL_HOSTS


@dataclass(frozen=True)
class ServeSettings:
    """The app's settings. ``token`` is always set (generated when not given): changes need
    it everywhere; with ``token_required`` (any non-local host, or a token given) every
    request does."""

    store: Path
    host: str = "127.0.0.1"
    port: int = 8000
    token: str = ""
    token_required: bool = False
    token_given: bool = False
    workers: int = 2  # compute processes for compares (0: on the app's threads)
    backfill: bool = True

    @classmethod
    def make(
        cls,
        store: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        token: str | None = None,
        workers: int = 2,
        backfill: bool = True,
    ) -> ServeSettings:
        if not 0 <= port <= 65535:
            raise ValueError(f"--port must be 0-65535, not {port}")
        if token is not None and len(token) < 8:
            raise ValueError("--token must be at least 8 characters")
        if workers < 0:
            raise ValueError("workers must be 0 or more")
        return cls(
            store=Path(store),
            host=host,
            port=port,
            token=token or secrets.token_urlsafe(24),
            token_required=token is not None or not is_local(host),
            token_given=token is not None,
            workers=workers,
            backfill=backfill,
        )

    def origin(self, port: int | None = None) -> str:
        host = self.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        if host in ("0.0.0.0", "[::]"):
            host = "127.0.0.1"
        return f"http://{host}:{port if port is not None else self.port}"
