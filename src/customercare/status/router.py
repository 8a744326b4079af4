"""``ccgpt status serve``: the status page and ``/status.json`` rendered from the history on
each request (the same documents ``ccgpt status page`` writes as static files)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.orm import Session, sessionmaker

from customercare.ids import utcnow
from customercare.status.config import StatusConfig
from customercare.status.page import render_html, snapshot

__all__ = ["build_page_app"]

_HEADERS = {
    "Cache-Control": "public, max-age=30",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}


def build_page_app(sessions: sessionmaker[Session], config: StatusConfig) -> FastAPI:
    app = FastAPI(title=config.page.title, docs_url=None, redoc_url=None, openapi_url=None)

    def current() -> dict[str, object]:
        with sessions() as session:
            return snapshot(session, config, now=utcnow())

    @app.get("/", response_class=HTMLResponse)
    @app.get("/index.html", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        return HTMLResponse(render_html(current()), headers=_HEADERS)

    @app.get("/status.json")
    def status_json() -> JSONResponse:
        return JSONResponse(current(), headers=_HEADERS)

    return app
