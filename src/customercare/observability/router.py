"""Liveness (the process answers), readiness (its database, vector store and, when
``REDIS_URL`` is set, Redis (the job queue and the shared counters) answer) and the
Prometheus metrics (``/metrics``)."""

from __future__ import annotations

import hmac
from typing import Any

import redis
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import SecretStr
from sqlalchemy import text

from customercare.db.engine import transaction
from customercare.deps import RuntimeDep, WorkspaceWrite
from customercare.errors import AuthenticationError, PermissionDenied
from customercare.knowledge import service as knowledge
from customercare.observability import metrics
from customercare.observability.dependencies import build_probes, git_revision, version
from customercare.observability.health import run_probes
from customercare.observability.redaction import redact

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(runtime: RuntimeDep) -> JSONResponse:
    checks: dict[str, Any] = {}
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"error: {type(error).__name__}"
    try:
        runtime.vector_store.heartbeat()
        checks["vector_store"] = "ok"
    except Exception as error:
        checks["vector_store"] = f"error: {type(error).__name__}"
    if runtime.settings.redis_url:
        try:
            client = redis.Redis.from_url(
                runtime.settings.redis_url, socket_timeout=2, socket_connect_timeout=2
            )
            try:
                client.ping()
            finally:
                client.close()
            checks["redis"] = "ok"
        except Exception as error:
            checks["redis"] = f"error: {type(error).__name__}"
    if runtime.settings.fault_never_ready:  # the deployment tests' never-ready release
        checks["fault"] = "error: CCGPT_FAULT_NEVER_READY"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )


LOOPBACK = ("127.", "::1")


@router.get("/metrics", include_in_schema=False)
def metrics_endpoint(request: Request, runtime: RuntimeDep) -> Response:
    """Prometheus text format. Protected: a bearer token when ``CCGPT_METRICS_TOKEN`` is set,
    else loopback clients only, and never through a proxy (a proxied request carries
    ``X-Forwarded-For``, and its peer, the proxy, is often on loopback itself)."""
    _authorize_scrape(request, runtime.settings.metrics_token)

    def backlog() -> dict[str, int]:
        with transaction(runtime.sessions) as session:
            return knowledge.backlog(session)

    return Response(metrics.exposition(backlog=backlog), media_type=metrics.CONTENT_TYPE_LATEST)


def _authorize_scrape(request: Request, token: SecretStr | None) -> None:
    if token is not None:
        scheme, _, offered = request.headers.get("authorization", "").partition(" ")
        expected = token.get_secret_value()
        if scheme.lower() != "bearer" or not hmac.compare_digest(offered.strip(), expected):
            raise AuthenticationError("the metrics token is required (Authorization: Bearer)")
        return
    peer = request.client.host if request.client else ""
    proxied = "x-forwarded-for" in request.headers or "forwarded" in request.headers
    if proxied or not peer.startswith(LOOPBACK):
        raise PermissionDenied(
            "metrics are served to loopback clients only; set CCGPT_METRICS_TOKEN to scrape "
            "from elsewhere"
        )


# Optional dependencies may be down or absent; the database and migrations may not.
ESSENTIAL = ("database", "migrations")
PROBE_TIMEOUT_SECONDS = 5.0


@router.get("/api/v1/health/detailed", tags=["health"])
def detailed_health(runtime: RuntimeDep, _admin: WorkspaceWrite) -> dict[str, Any]:
    """For workspace admins: every dependency with its status and latency, whether the
    database is at the code's migration head, the ingestion backlog, the version and git
    revision. ``status`` is ``ok``, ``degraded`` (an optional dependency fails) or
    ``unavailable`` (the database or its schema)."""
    probes = build_probes(
        runtime.settings,
        engine=runtime.engine,
        vector_store_heartbeat=runtime.vector_store.heartbeat,
        embed=lambda texts: runtime.embedder.embed(texts),
    )
    results = run_probes(probes, timeout_seconds=PROBE_TIMEOUT_SECONDS)
    failing = {name for name, result in results.items() if result.status in ("error", "timeout")}
    status = "unavailable" if failing & set(ESSENTIAL) else "degraded" if failing else "ok"
    try:
        with transaction(runtime.sessions) as session:
            backlog: dict[str, int] | None = knowledge.backlog(session)
    except Exception:
        backlog = None
    return {
        "status": status,
        "version": version(),
        "git_revision": git_revision(runtime.settings.git_revision),
        "checks": {
            name: {**result.as_dict(), "detail": redact(result.detail)}
            for name, result in results.items()
        },
        "ingestion_backlog": backlog,
    }
