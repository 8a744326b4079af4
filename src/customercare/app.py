"""The FastAPI application: routers, the JSON error mapping and the runtime's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from customercare.accounts.router import router as auth_router
from customercare.answers.openai_router import router as openai_router
from customercare.answers.router import router as chat_router
from customercare.bootstrap import build_runtime
from customercare.conversations.router import router as conversations_router
from customercare.dashboard.mount import install as install_dashboard
from customercare.db.engine import unavailable_error
from customercare.db.migrate import upgrade
from customercare.errors import AppError, QueueUnavailable, RateLimited, ServiceUnavailable
from customercare.http_edge import RequestMetricsMiddleware, SecurityHeadersMiddleware
from customercare.http_edge.api_docs import install_api_docs
from customercare.http_edge.release import ReleaseMiddleware
from customercare.knowledge.ingestion import resume_unfinished
from customercare.knowledge.router import router as documents_router
from customercare.limits.router import router as limits_router
from customercare.limits.service import RateLimitMiddleware
from customercare.mail import MailSweeper
from customercare.observability.router import router as health_router
from customercare.openapi import allowed_methods, install_openapi
from customercare.runtime import Runtime
from customercare.search.router import router as search_router
from customercare.settings import Settings, get_settings
from customercare.sweeps import Periodic, repair_answers
from customercare.tenancy.router import router as workspace_router
from customercare.widget.router import router as widget_router
from customercare.widget.socket_router import router as widget_socket_router


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """Build the app; a given ``runtime`` is used as is (tests), else one is built at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runtime is not None:
            app.state.runtime = runtime
            yield
            return
        resolved = settings or get_settings()
        upgrade(resolved.resolved_database_url)
        owned = build_runtime(resolved)
        app.state.runtime = owned
        if not resolved.redis_url:
            resume_unfinished(owned.sessions, owned.job_queue)
        # Mail a crash or a failed attempt left in the outbox goes out now and every minute.
        sweeper = MailSweeper(owned.sessions, owned.mailer)
        sweeper.start()
        # A question whose answer an outage kept from being stored gets a failed answer.
        repair = Periodic(
            "answer-repair",
            lambda: repair_answers(
                owned.sessions, after_seconds=resolved.answer_repair_after_seconds
            ),
            interval=resolved.answer_repair_interval_seconds,
        ).start()
        try:
            yield
        finally:
            repair.stop()
            sweeper.stop()
            owned.close()

    app = FastAPI(
        title="CustomerCareGPT",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc with local assets: http_edge/api_docs.py
        redoc_url=None,
    )
    if runtime is not None:
        app.state.runtime = runtime
    for router in (
        health_router,
        documents_router,
        search_router,
        chat_router,
        conversations_router,
        openai_router,
        workspace_router,
        limits_router,
        auth_router,
        widget_router,
        widget_socket_router,
    ):
        app.include_router(router)
    # Innermost: the release header, and the deployment tests' chat fault switch (counted by
    # the request metrics like any other 500).
    release = settings or (runtime.settings if runtime is not None else get_settings())
    app.add_middleware(
        ReleaseMiddleware, version=release.release_version, fail_chat=release.fault_chat_5xx
    )
    app.add_middleware(RateLimitMiddleware)
    app.add_middleware(RequestMetricsMiddleware)
    # Outermost: every response, a rate-limit refusal included, carries the security headers.
    app.add_middleware(SecurityHeadersMiddleware)
    _install_error_handlers(app)
    install_openapi(app)
    install_api_docs(app)
    install_dashboard(app)
    return app


log = structlog.get_logger(__name__)


def _install_error_handlers(app: FastAPI) -> None:
    """Every error answers JSON. A database or a queue that does not answer is a 503 with
    Retry-After (the client may simply try again); anything else unexpected is a JSON 500."""

    @app.exception_handler(AppError)
    async def app_error(_: Request, error: AppError) -> JSONResponse:
        return _app_error_response(error)

    @app.exception_handler(SQLAlchemyError)
    async def database_error(request: Request, error: SQLAlchemyError) -> JSONResponse:
        translated = unavailable_error(error)
        if translated is None:
            raise error  # a bug, not an outage: the JSON 500 below, with its traceback logged
        log.warning("database.unavailable", error=type(error).__name__, path=request.url.path)
        return _app_error_response(translated)

    @app.exception_handler(redis.exceptions.ConnectionError)
    @app.exception_handler(redis.exceptions.TimeoutError)
    async def queue_error(request: Request, error: redis.exceptions.RedisError) -> JSONResponse:
        log.warning("queue.unavailable", error=type(error).__name__, path=request.url.path)
        return _app_error_response(QueueUnavailable())

    # Starlette runs this one outermost (ServerErrorMiddleware), then re-raises for the log.
    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, error: Exception) -> JSONResponse:
        body = {"error": {"code": "internal_error", "message": "internal error", "details": {}}}
        return JSONResponse(body, status_code=500)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        body = {
            "error": {
                "code": "invalid_request",
                "message": "the request is not valid",
                "details": {"errors": _jsonable_errors(error)},
            }
        }
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        body = {"error": {"code": code, "message": str(error.detail), "details": {}}}
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return JSONResponse(body, status_code=error.status_code, headers=headers)


def _app_error_response(error: AppError) -> JSONResponse:
    headers: dict[str, str] = {}
    if error.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, RateLimited | ServiceUnavailable) and error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return JSONResponse(error.to_body(), status_code=error.status_code, headers=headers)


def _jsonable_errors(error: RequestValidationError) -> list[dict[str, object]]:
    return [
        {
            "loc": list(item.get("loc", ())),
            "msg": str(item.get("msg", "")),
            "type": item.get("type"),
        }
        for item in error.errors()
    ]
