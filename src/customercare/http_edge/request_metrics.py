"""Request metrics for every HTTP response, as one pure ASGI middleware (streaming-safe: a
streamed answer is timed to its last byte).

The route label is the matched route's template (``/api/v1/documents/{document_id}``), never
the raw path: ids and probing URLs would make the series unbounded. An unmatched path is
``unmatched``; WebSockets are not HTTP requests and are left out."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from customercare.observability import metrics

__all__ = ["RequestMetricsMiddleware", "route_template"]

UNMATCHED = "unmatched"


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class RequestMetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception before the response started is a server error

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = route_template(scope)
            method = str(scope.get("method", "GET"))
            metrics.http_requests.labels(
                method=method, route=route, status=metrics.status_class(status)
            ).inc()
            metrics.http_request_seconds.labels(method=method, route=route).observe(
                time.perf_counter() - started
            )
            metrics.sample_process()
