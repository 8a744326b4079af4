"""Security headers and CORS for every HTTP response, as one ASGI middleware (streaming-safe).

Headers:
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` everywhere;
- ``Content-Security-Policy`` on HTML (``default-src 'self'``; the API docs pages, whose
  assets are served here too (``api_docs.py``), also run their inline start-up script and
  ReDoc's web worker); a header the route set itself is left alone;
- ``X-Frame-Options: DENY`` (and ``frame-ancestors 'none'``) except for widget endpoints
  (``/api/v1/chat``, ``/widget``), which are meant to live inside other sites' pages;
- ``Strict-Transport-Security`` only for a request that came over HTTPS: the ASGI scheme, or
  ``X-Forwarded-Proto: https`` when the proxy is trusted (``trust_proxy_headers``).

CORS (no cookies are used, so credentials are never allowed): an ``Origin`` listed in the
``cors_origins`` setting may call any route; the chat endpoints also accept the origins a
workspace lists in its ``allowed_domains`` (a wildcard ``https://*.shop.example`` covers every
subdomain), and so does the widget API (``/api/v1/widget``). A preflight cannot name its
workspace (browsers send no credentials with it), so it is allowed when any workspace lists
the origin; the real request is answered for the origins of the caller's workspace, and
``deps`` refuses a widget key used from any other origin whatever CORS said."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from customercare.tenancy import service as tenancy
from customercare.tenancy.schemas import normalise_origin

if TYPE_CHECKING:
    from customercare.runtime import Runtime
    from customercare.settings import Settings

__all__ = [
    "HTML_CSP",
    "SecurityHeadersMiddleware",
    "cors_origins",
    "is_widget_path",
    "trusts_proxy",
]

WIDGET_PREFIXES = ("/api/v1/chat", "/widget")
# The widget API: the loader fetches its settings from the host page (the frame itself is
# same-origin with the API and needs no CORS).
CHAT_PREFIXES = ("/api/v1/chat", "/api/v1/widget")
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
HTML_CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Swagger UI and ReDoc are served from this origin (no other host is allowed) and start with
# an inline script; ReDoc runs a worker from a blob and styles itself inline.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
WIDGET_CSP = "default-src 'self'; object-src 'none'; base-uri 'self'"
HSTS = "max-age=63072000; includeSubDomains"
ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type, Accept, X-API-Key, X-Workspace-Id, Last-Event-ID"
EXPOSE_HEADERS = "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
PREFLIGHT_MAX_AGE = "600"


def cors_origins(settings: Settings) -> frozenset[str]:
    return frozenset(value.strip().rstrip("/").lower() for value in settings.cors_origins)


def trusts_proxy(settings: Settings) -> bool:
    return settings.trust_proxy_headers


def is_widget_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in WIDGET_PREFIXES)


def _is_chat_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in CHAT_PREFIXES)


def _canonical(origin: str) -> str | None:
    if "*" in origin:  # an allowed-domains wildcard, never a browser's Origin
        return None
    try:
        return normalise_origin(origin)
    except ValueError:
        return None


def _origin_allowed(runtime: Runtime, origin: str, workspace_id: str | None) -> bool:
    with runtime.sessions() as session:
        return tenancy.widget_origin_allowed(session, origin=origin, workspace_id=workspace_id)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        runtime: Runtime | None = getattr(scope["app"].state, "runtime", None)
        request_headers = Headers(scope=scope)
        path: str = scope.get("path", "")
        origin = request_headers.get("origin")
        canonical = _canonical(origin) if origin else None
        if (
            scope["method"] == "OPTIONS"
            and origin
            and "access-control-request-method" in request_headers
        ):
            await self._preflight(scope, receive, send, runtime, path, canonical)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        https = _came_over_https(scope, request_headers, runtime)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                _add_security_headers(headers, path, https=https)
                if canonical is not None and runtime is not None:
                    principal = state.get("principal")
                    workspace_id = getattr(principal, "workspace_id", None)
                    if await self._allowed(runtime, path, canonical, workspace_id):
                        _add_cors_headers(headers, origin or canonical)
                        headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
                if origin:
                    headers.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _preflight(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        runtime: Runtime | None,
        path: str,
        origin: str | None,
    ) -> None:
        allowed = (
            origin is not None
            and runtime is not None
            and await self._allowed(runtime, path, origin, None)
        )
        if not allowed:
            response = PlainTextResponse("CORS origin not allowed", status_code=400)
        else:
            response = PlainTextResponse("", status_code=204)
            _add_cors_headers(response.headers, origin or "")
            response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        response.headers.add_vary_header("Origin")
        https = _came_over_https(scope, Headers(scope=scope), runtime)
        _add_security_headers(response.headers, path, https=https)
        await response(scope, receive, send)

    async def _allowed(
        self, runtime: Runtime, path: str, origin: str, workspace_id: str | None
    ) -> bool:
        if origin in cors_origins(runtime.settings):
            return True
        if not _is_chat_path(path):
            return False
        return await run_in_threadpool(_origin_allowed, runtime, origin, workspace_id)


def _came_over_https(scope: Scope, headers: Headers, runtime: Runtime | None) -> bool:
    if scope.get("scheme") == "https":
        return True
    if runtime is not None and trusts_proxy(runtime.settings):
        forwarded = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        return forwarded == "https"
    return False


def _add_cors_headers(headers: MutableHeaders, origin: str) -> None:
    headers["Access-Control-Allow-Origin"] = origin


def _add_security_headers(headers: MutableHeaders, path: str, *, https: bool) -> None:
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    widget = is_widget_path(path)
    if not widget:
        headers.setdefault("X-Frame-Options", "DENY")
    if headers.get("content-type", "").startswith("text/html"):
        if path in DOCS_PATHS:
            csp = DOCS_CSP
        elif widget:
            csp = WIDGET_CSP
        else:
            csp = HTML_CSP
        headers.setdefault("Content-Security-Policy", csp)
    if https:
        headers.setdefault("Strict-Transport-Security", HSTS)
