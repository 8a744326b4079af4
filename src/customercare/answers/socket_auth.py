"""Where the chat WebSocket's credential comes from.

Browsers cannot set an ``Authorization`` header on a WebSocket, so the credential may come in
the ``Sec-WebSocket-Protocol`` header: ``new WebSocket(url, ["ccgpt.bearer", token])``. The
server accepts with the subprotocol ``ccgpt.bearer`` (never echoing the token), and the secret
stays out of the URL, so out of access logs, proxy logs and browser history. ``?key=`` (logged
as ``[redacted]``) and ``Authorization: Bearer`` keep working."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.websockets import WebSocket

__all__ = ["SUBPROTOCOL", "SocketCredential", "socket_credential"]

SUBPROTOCOL = "ccgpt.bearer"


@dataclass(frozen=True, slots=True)
class SocketCredential:
    """The secret offered (or None) and the subprotocol to accept with (or None)."""

    secret: str | None
    subprotocol: str | None


def socket_credential(websocket: WebSocket) -> SocketCredential:
    """The subprotocol pair first, then ``?key=``, then ``Authorization: Bearer``."""
    offered = [str(name) for name in websocket.scope.get("subprotocols") or ()]
    if SUBPROTOCOL in offered:
        after = offered.index(SUBPROTOCOL) + 1
        token = offered[after].strip() if after < len(offered) else ""
        return SocketCredential(secret=token or None, subprotocol=SUBPROTOCOL)
    header = websocket.headers.get("authorization", "")
    secret = websocket.query_params.get("key") or header.removeprefix("Bearer ").strip()
    return SocketCredential(secret=secret or None, subprotocol=None)
