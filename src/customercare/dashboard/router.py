"""``/app``: sign-in, sign-out, the workspace list and switcher, creating a workspace. HTTP
only: the session is ``dashboard.session``, every decision is in the domains' services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from customercare.accounts import service as accounts
from customercare.dashboard import session as browser_session
from customercare.dashboard.render import finish, page, redirect
from customercare.dashboard.session import PageError
from customercare.dashboard.web import Browser, CsrfField, as_page, signed_in
from customercare.deps import ClientIp, RuntimeDep, SessionDep, SettingsDep
from customercare.errors import AuthenticationError, RateLimited
from customercare.tenancy import service as tenancy

__all__ = ["router"]

router = APIRouter(prefix="/app", include_in_schema=False)


@router.get("")
def home(request: Request, browser: Browser, settings: SettingsDep) -> Response:
    if browser is None:
        return redirect("/app/sign-in")
    return finish(request, page("home.html", browser=browser, name=""), browser, settings)


@router.get("/sign-in")
def sign_in_form(request: Request, browser: Browser, settings: SettingsDep) -> Response:
    if browser is not None:
        return finish(request, redirect("/app"), browser, settings)
    token = browser_session.login_csrf(request)
    response = page("sign_in.html", browser=None, login_csrf=token, email="", error="")
    browser_session.set_login_csrf(request, response, token)
    return response


@router.post("/sign-in")
def sign_in(
    request: Request,
    runtime: RuntimeDep,
    ip: ClientIp,
    csrf_token: CsrfField = None,
    email: Annotated[str, Form()] = "",
    password: Annotated[str | None, Form()] = None,
) -> Response:
    browser_session.check_login_csrf(request, csrf_token)
    token = browser_session.login_csrf(request)
    email = email.strip()[:320]
    error, status_code = "", 200
    if not email or not password:
        error, status_code = "enter your email address and your password", 400
    else:
        try:
            pair = accounts.sign_in(runtime, email=email, password=password, ip=ip)
        except RateLimited as refused:
            error, status_code = refused.message, 429
        except AuthenticationError as refused:
            error, status_code = refused.message, 401
        else:
            response = redirect("/app")
            browser_session.set_tokens(request, response, pair, runtime.settings)
            return response
    return page(
        "sign_in.html",
        browser=None,
        status_code=status_code,
        login_csrf=token,
        email=email,
        error=error,
    )


@router.post("/sign-out")
def sign_out(
    request: Request,
    browser: Browser,
    session: SessionDep,
    ip: ClientIp,
    csrf_token: CsrfField = None,
) -> Response:
    if browser is not None:
        browser_session.check_csrf(browser, csrf_token)
        identity = accounts.Identity(user_id=browser.user_id, session_id=browser.session_id)
        accounts.sign_out(session, identity=identity, ip=ip)
    response = redirect("/app/sign-in")
    browser_session.clear_cookies(request, response)
    return response


@router.post("/workspace")
def switch_workspace(
    request: Request,
    browser: Browser,
    settings: SettingsDep,
    csrf_token: CsrfField = None,
    workspace_id: Annotated[str, Form()] = "",
) -> Response:
    person = signed_in(browser)
    browser_session.check_csrf(person, csrf_token)
    if workspace_id not in {m.workspace_id for m in person.memberships}:
        raise PageError(404, "no such workspace")
    person.workspace_changed = False
    response = finish(request, redirect("/app"), person, settings)
    browser_session.set_workspace(request, response, workspace_id)
    return response


@router.post("/workspaces")
def create_workspace(
    request: Request,
    browser: Browser,
    session: SessionDep,
    settings: SettingsDep,
    ip: ClientIp,
    csrf_token: CsrfField = None,
    name: Annotated[str, Form()] = "",
) -> Response:
    person = signed_in(browser)
    browser_session.check_csrf(person, csrf_token)
    name = name.strip()
    if not name or len(name) > 200:
        refused = page(
            "home.html",
            browser=person,
            status_code=400,
            name=name[:200],
            error="a workspace needs a name of 1 to 200 characters",
        )
        return finish(request, refused, person, settings)
    with as_page():
        workspace = tenancy.create_workspace_for_user(
            session, name=name, user_id=person.user_id, ip=ip
        )
    person.workspace_changed = False
    response = finish(request, redirect("/app"), person, settings)
    browser_session.set_workspace(request, response, workspace.id)
    return response
