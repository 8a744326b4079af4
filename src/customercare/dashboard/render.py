"""Templates (Jinja2, autoescaped) and the responses the dashboard's routes return."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from customercare.dashboard import session as browser_session
from customercare.dashboard.pages import visible_pages
from customercare.dashboard.session import BrowserSession
from customercare.settings import Settings
from customercare.tenancy.service import Permission

__all__ = ["STATIC", "error_page", "finish", "page", "redirect"]

HERE = Path(__file__).parent
STATIC = HERE / "static"
ENVIRONMENT = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
HEADINGS = {400: "Check the form", 401: "Sign in", 403: "Not allowed", 404: "Not found"}


def page(
    template: str,
    *,
    browser: BrowserSession | None,
    current: str = "",
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    allowed = frozenset(p for p in Permission if browser is not None and browser.can(p))
    html = ENVIRONMENT.get_template(template).render(
        browser=browser,
        pages=visible_pages(allowed) if browser is not None else [],
        current=current,
        can={p.name: p in allowed for p in Permission},
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def error_page(browser: BrowserSession | None, status_code: int, message: str) -> HTMLResponse:
    heading = HEADINGS.get(status_code, "Something went wrong")
    return page(
        "error.html",
        browser=browser,
        status_code=status_code,
        heading=heading,
        message=message,
    )


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def finish(
    request: Request, response: Response, browser: BrowserSession | None, settings: Settings
) -> Response:
    """Write back what loading the session changed: a renewed token pair, the workspace."""
    if browser is not None:
        if browser.renewed is not None:
            browser_session.set_tokens(request, response, browser.renewed, settings)
        if browser.workspace_changed and browser.principal is not None:
            browser_session.set_workspace(request, response, browser.principal.workspace_id)
    return response
