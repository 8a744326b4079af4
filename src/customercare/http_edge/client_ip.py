"""Who is on the other end of a request or WebSocket."""

from __future__ import annotations

from starlette.requests import HTTPConnection


def client_ip(connection: HTTPConnection) -> str | None:
    """The peer's address: the proxy's own unless uvicorn runs with ``--proxy-headers``."""
    return connection.client.host if connection.client else None
