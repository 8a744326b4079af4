"""Mount the dashboard on the app: its routers, its static files and its error pages."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from customercare.dashboard.inbox_router import router as inbox_router
from customercare.dashboard.knowledge_router import router as knowledge_router
from customercare.dashboard.render import STATIC, error_page, redirect
from customercare.dashboard.router import router
from customercare.dashboard.session import BrowserSession, PageError
from customercare.dashboard.widget_router import router as widget_router

__all__ = ["install"]


class CachedStatic(StaticFiles):
    """The dashboard's CSS and htmx, from this origin, cached for an hour."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.setdefault("Cache-Control", "public, max-age=3600")
        return response


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(knowledge_router)
    app.include_router(inbox_router)
    app.include_router(widget_router)
    app.mount("/app/static", CachedStatic(directory=STATIC), name="dashboard-static")

    @app.exception_handler(PageError)
    async def page_error(request: Request, error: PageError) -> Response:
        browser: BrowserSession | None = getattr(request.state, "browser", None)
        if error.status_code == 401:
            return redirect("/app/sign-in")
        return error_page(browser, error.status_code, error.message)
