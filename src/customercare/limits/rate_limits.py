"""Request rate limits: fixed windows counted in ``runtime.counters`` (Redis when configured,
so that every API process counts together; this process's memory otherwise).

Four scopes, each with its own setting (0 disables it):
- ``ip``: every request from one client address (an ASGI middleware, before routing);
- ``api_key``: requests made with one secret API key (its id, never the secret);
- ``widget_key``: requests made with one publishable key from one visitor address: the key is
  public, so counting it alone would let one visitor use up a site's chat for everyone;
- ``user``: requests made with one person's access token, whatever the workspace.

The key, widget and user scopes are checked by ``enforce_principal`` from ``deps.authorize``
once the caller is known. Responses carry ``X-RateLimit-Limit``/``X-RateLimit-Remaining``/
``X-RateLimit-Reset`` for the tightest scope counted; a refusal is a 429 ``rate_limited`` with
``Retry-After``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import structlog
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from customercare.errors import RateLimited
from customercare.limits.counters import CounterStore, MemoryCounterStore
from customercare.observability import metrics
from customercare.settings import Settings

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection


__all__ = [
    "EXEMPT_PATHS",
    "RateLimitMiddleware",
    "Verdict",
    "enforce_principal",
    "hit",
]

log = structlog.get_logger(__name__)

EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
# Where the tightest verdict of a request is kept (``scope["state"]``, i.e. ``request.state``).
STATE_KEY = "rate_limit"


@dataclass(frozen=True, slots=True)
class Verdict:
    scope: str
    limit: int
    count: int
    resets_in: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    def error(self) -> RateLimited:
        metrics.refusals.labels(kind="rate_limit").inc()
        return RateLimited(
            f"too many requests ({self.scope} limit of {self.limit} per window); "
            f"retry in {self.resets_in} s",
            retry_after=self.resets_in,
            details={"limit": self.limit, "scope": self.scope},
        )

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(self.remaining).encode()),
            (b"x-ratelimit-reset", str(self.resets_in).encode()),
        ]


def hit(
    counters: CounterStore, settings: Settings, *, scope: str, identity: str, limit: int
) -> Verdict | None:
    """Count one request against ``scope``/``identity``; None when the limit is disabled or
    the counter store cannot be reached (limits fail open: an outage must not refuse all)."""
    if limit <= 0:
        return None
    window_seconds = settings.rate_limit_window_seconds
    try:
        window = counters.hit(f"rl:{scope}:{identity}", window_seconds=window_seconds)
    except Exception:  # the store is down (Redis): serve rather than refuse every request
        log.warning(
            "rate_limit.not_enforced",
            scope=scope,
            reason="counter store unavailable",
            exc_info=True,
        )
        return None
    return Verdict(scope=scope, limit=limit, count=window.count, resets_in=window.resets_in)


def _record(state: Any, verdict: Verdict) -> None:
    """Keep the tightest verdict (fewest requests left) for the response headers."""
    current: Verdict | None = getattr(state, STATE_KEY, None)
    if current is None or verdict.remaining < current.remaining or not verdict.allowed:
        setattr(state, STATE_KEY, verdict)


class Caller(Protocol):
    """What the key, widget and user scopes count by (a ``tenancy.Principal``)."""

    @property
    def api_key_id(self) -> str | None: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def publishable(self) -> bool: ...


class _Limits(Protocol):
    """What the middleware reads from ``app.state.runtime``."""

    @property
    def settings(self) -> Settings: ...
    @property
    def counters(self) -> CounterStore: ...


def enforce_principal(
    request: HTTPConnection,
    counters: CounterStore,
    settings: Settings,
    principal: Caller,
    *,
    ip: str | None,
) -> None:
    """Count the request (or WebSocket message) for the caller's key, widget key (per visitor
    address ``ip``) or user; 429 over the limit."""
    if principal.api_key_id is not None and principal.publishable:
        scope = "widget_key"
        identity = f"{principal.api_key_id}:{ip or 'unknown'}"
        limit = settings.rate_limit_per_widget_key_per_minute
    elif principal.api_key_id is not None:
        scope, identity = "api_key", principal.api_key_id
        limit = settings.rate_limit_per_api_key_per_minute
    elif principal.user_id is not None:
        scope, identity = "user", principal.user_id
        limit = settings.rate_limit_per_user_per_minute
    else:
        return
    verdict = hit(counters, settings, scope=scope, identity=identity, limit=limit)
    if verdict is None:
        return
    _record(request.state, verdict)
    if not verdict.allowed:
        raise verdict.error()


class RateLimitMiddleware:
    """The per-IP limit, for every HTTP request and WebSocket handshake but the health checks,
    and the ``X-RateLimit-*`` headers of whichever scope is tightest."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("path") in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        runtime: _Limits | None = getattr(scope["app"].state, "runtime", None)
        if runtime is None:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        ip = client[0] if client else "unknown"
        settings = runtime.settings
        limit = settings.rate_limit_per_ip_per_minute
        counters = runtime.counters
        if isinstance(counters, MemoryCounterStore):
            verdict = hit(counters, settings, scope="ip", identity=ip, limit=limit)
        else:  # a network round trip: keep it off the event loop
            verdict = await run_in_threadpool(
                hit, counters, settings, scope="ip", identity=ip, limit=limit
            )
        if verdict is not None and not verdict.allowed:
            await _refuse(scope, send, verdict)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        if verdict is not None:
            state[STATE_KEY] = verdict

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                tightest: Verdict | None = state.get(STATE_KEY)
                if tightest is not None:
                    message["headers"] = [*message.get("headers", []), *tightest.headers()]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _refuse(scope: Scope, send: Send, verdict: Verdict) -> None:
    if scope["type"] == "websocket":
        # Closing before accepting refuses the handshake (HTTP 403); 1013: try again later.
        metrics.refusals.labels(kind="rate_limit").inc()
        await send({"type": "websocket.close", "code": 1013, "reason": "rate limited"})
        return
    error = verdict.error()
    body = json.dumps(error.to_body()).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(error.retry_after).encode()),
        *verdict.headers(),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
