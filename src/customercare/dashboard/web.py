"""What every dashboard route shares: the browser's session as a dependency, the sign-in
requirement, and service refusals turned into pages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Form, Request

from customercare.dashboard import session as browser_session
from customercare.dashboard.session import BrowserSession, PageError
from customercare.deps import RuntimeDep, SessionDep
from customercare.errors import AppError

__all__ = ["Browser", "CsrfField", "as_page", "load_browser", "signed_in"]


def load_browser(
    request: Request, runtime: RuntimeDep, session: SessionDep
) -> BrowserSession | None:
    browser = browser_session.load(request, runtime, session)
    request.state.browser = browser
    return browser


Browser = Annotated[BrowserSession | None, Depends(load_browser)]
CsrfField = Annotated[str | None, Form()]


def signed_in(browser: BrowserSession | None) -> BrowserSession:
    """The signed-in person; anyone else is sent to the sign-in page."""
    if browser is None:
        raise PageError(401, "please sign in")
    return browser


@contextmanager
def as_page() -> Iterator[None]:
    """A refusal from a service becomes a page with its status and message."""
    try:
        yield
    except AppError as error:
        raise PageError.from_app_error(error) from error
