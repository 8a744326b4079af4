"""The browser's session: two HttpOnly cookies (``Path=/app``, ``SameSite=Strict``,
``Secure`` over https) hold the person's access token and refresh token from
``accounts.service``; a third names the workspace they are looking at (checked against their
memberships on every request, through ``deps.resolve_principal``, the API's own code).

An access token that has expired is renewed with the refresh token (which rotates, so the new
pair is written back to the cookies); signing out ends the token family server-side, so a
copied cookie stops working too.

CSRF: every POST carries ``csrf_token``, an HMAC of the sign-in session's id under the
server's secret key; it is checked server-side (a form from another site cannot know it).
The sign-in form, before there is a session, uses a random value in a short-lived cookie that
the form must repeat (double submit)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from fastapi import Request, Response
from sqlalchemy.orm import Session

from customercare import deps
from customercare.accounts import service as accounts
from customercare.errors import AppError, AuthenticationError, NotFoundError
from customercare.runtime import Runtime
from customercare.settings import Settings
from customercare.tenancy import service as tenancy
from customercare.tenancy.service import Permission, Principal, Role

__all__ = [
    "ACCESS_COOKIE",
    "REFRESH_COOKIE",
    "WORKSPACE_COOKIE",
    "BrowserSession",
    "Membership",
    "PageError",
    "check_csrf",
    "check_login_csrf",
    "clear_cookies",
    "csrf_token",
    "load",
    "login_csrf",
    "set_tokens",
    "set_workspace",
]

ACCESS_COOKIE = "ccgpt_access"
REFRESH_COOKIE = "ccgpt_refresh"  # pragma: allowlist secret
WORKSPACE_COOKIE = "ccgpt_workspace"
LOGIN_CSRF_COOKIE = "ccgpt_login_csrf"
COOKIE_PATH = "/app"


class PageError(Exception):
    """A refusal the dashboard shows as a page (its status and message), never a 500."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message

    @classmethod
    def from_app_error(cls, error: AppError) -> PageError:
        return cls(error.status_code, error.message)


@dataclass(frozen=True, slots=True)
class Membership:
    workspace_id: str
    workspace_name: str
    role: Role


@dataclass(slots=True)
class BrowserSession:
    """The signed-in person, the workspace they look at and what they may do there."""

    user_id: str
    email: str
    session_id: str
    csrf_token: str
    memberships: list[Membership]
    principal: Principal | None
    renewed: accounts.TokenPair | None = None
    workspace_changed: bool = False
    notices: list[str] = field(default_factory=list)

    @property
    def workspace(self) -> Membership | None:
        if self.principal is None:
            return None
        return next(
            (m for m in self.memberships if m.workspace_id == self.principal.workspace_id), None
        )

    def can(self, permission: Permission) -> bool:
        return self.principal is not None and self.principal.can(permission)

    def require(self, permission: Permission) -> Principal:
        """The principal when it allows ``permission``: 404 without a workspace, else 403."""
        if self.principal is None:
            raise PageError(404, "you are not a member of any workspace yet")
        if not self.principal.can(permission):
            raise PageError(403, f"your role does not allow {permission.value}")
        return self.principal


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def csrf_token(settings: Settings, session_id: str) -> str:
    key = accounts.secret_key(settings).encode()
    return hmac.new(key, f"dashboard-csrf:{session_id}".encode(), hashlib.sha256).hexdigest()


def check_csrf(browser: BrowserSession, presented: str | None) -> None:
    if not presented or not hmac.compare_digest(presented, browser.csrf_token):
        raise PageError(403, "the form has expired or did not come from this site: reload it")


def login_csrf(request: Request) -> str:
    """The sign-in form's token: the cookie's value when there is one, else a new one."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)


def set_login_csrf(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        value,
        max_age=3600,
        path=COOKIE_PATH,
        httponly=True,
        secure=is_https(request),
        samesite="strict",
    )


def check_login_csrf(request: Request, presented: str | None) -> None:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not presented or not expected or not hmac.compare_digest(presented, expected):
        raise PageError(403, "the form has expired or did not come from this site: reload it")


def set_tokens(
    request: Request, response: Response, pair: accounts.TokenPair, settings: Settings
) -> None:
    secure = is_https(request)
    response.set_cookie(
        ACCESS_COOKIE,
        pair.access_token,
        path=COOKIE_PATH,
        httponly=True,
        secure=secure,
        samesite="strict",
        max_age=settings.refresh_token_days * 86400,
    )
    response.set_cookie(
        REFRESH_COOKIE,
        pair.refresh_token,
        path=COOKIE_PATH,
        httponly=True,
        secure=secure,
        samesite="strict",
        max_age=settings.refresh_token_days * 86400,
    )
    response.delete_cookie(
        LOGIN_CSRF_COOKIE, path=COOKIE_PATH, secure=secure, httponly=True, samesite="strict"
    )


def set_workspace(request: Request, response: Response, workspace_id: str) -> None:
    response.set_cookie(
        WORKSPACE_COOKIE,
        workspace_id,
        path=COOKIE_PATH,
        httponly=True,
        secure=is_https(request),
        samesite="strict",
        max_age=365 * 86400,
    )


def clear_cookies(request: Request, response: Response) -> None:
    for name in (ACCESS_COOKIE, REFRESH_COOKIE, WORKSPACE_COOKIE):
        response.delete_cookie(
            name, path=COOKIE_PATH, secure=is_https(request), httponly=True, samesite="strict"
        )


def load(request: Request, runtime: Runtime, session: Session) -> BrowserSession | None:
    """The person behind the cookies, or None (not signed in, signed out, or expired)."""
    settings = runtime.settings
    access = request.cookies.get(ACCESS_COOKIE)
    refresh = request.cookies.get(REFRESH_COOKIE)
    renewed: accounts.TokenPair | None = None
    identity: accounts.Identity | None = None
    if access:
        try:
            identity = accounts.authenticate(session, settings=settings, access_token=access)
        except AuthenticationError:
            identity = None
    if identity is None and refresh:
        try:
            renewed = accounts.refresh(runtime, refresh_token=refresh)
        except AuthenticationError:
            return None
        access = renewed.access_token
        identity = accounts.Identity(user_id=renewed.user_id, session_id=renewed.session_id)
    if identity is None or access is None:
        return None
    user = accounts.get_user_or_raise(session, user_id=identity.user_id)
    memberships = [
        Membership(workspace_id=w_id, workspace_name=name, role=Role(role))
        for w_id, name, role in tenancy.list_memberships_for_user(session, user_id=user.id)
    ]
    wanted = request.cookies.get(WORKSPACE_COOKIE)
    known = {m.workspace_id for m in memberships}
    chosen = wanted if wanted in known else (memberships[0].workspace_id if memberships else None)
    principal = None
    if chosen is not None:
        try:
            principal = deps.resolve_principal(
                runtime, secret=access, workspace_header=chosen, origin=None
            )
        except (AuthenticationError, NotFoundError):
            principal = None
    return BrowserSession(
        user_id=user.id,
        email=user.email,
        session_id=identity.session_id,
        csrf_token=csrf_token(settings, identity.session_id),
        memberships=memberships,
        principal=principal,
        renewed=renewed,
        workspace_changed=chosen is not None and chosen != wanted,
    )
