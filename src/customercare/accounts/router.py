"""``/api/v1/auth``: sign-up, email verification, sign-in, refresh, sign-out, password reset
and the signed-in person's profile. HTTP only: every decision is in ``accounts.service``."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response, status

from customercare.accounts import service
from customercare.accounts.schemas import (
    Accepted,
    MePublic,
    PasswordReset,
    PasswordResetRequest,
    RefreshRequest,
    SignIn,
    SignOut,
    SignUp,
    TokenPairPublic,
    UserPublic,
    VerifyEmail,
)
from customercare.deps import RuntimeDep, SessionDep, SettingsDep
from customercare.errors import AuthenticationError
from customercare.http_edge.client_ip import client_ip
from customercare.mail import Mailer, mailer_for

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class DeferredMailer:
    """Sends after the response (and after the transaction commits), so a slow mail server
    neither delays the reply nor tells an observer whether a mail was sent at all."""

    def __init__(self, mailer: Mailer, tasks: BackgroundTasks) -> None:
        self._mailer = mailer
        self._tasks = tasks

    def send(self, to: str, subject: str, text: str) -> None:
        self._tasks.add_task(self._deliver, to, subject, text)

    def _deliver(self, to: str, subject: str, text: str) -> None:
        try:
            self._mailer.send(to, subject, text)
        except Exception as error:  # the body holds a token: log only what failed
            log.warning("mail.delivery_failed", subject=subject, error=type(error).__name__)


def get_mailer(runtime: RuntimeDep, tasks: BackgroundTasks) -> Mailer:
    return DeferredMailer(mailer_for(runtime), tasks)


def bearer_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current_identity(
    request: Request, session: SessionDep, settings: SettingsDep
) -> service.Identity:
    """A user's access token, without a workspace (401 when missing, invalid or signed out)."""
    token = bearer_token(request)
    if token is None:
        raise AuthenticationError("an access token is required (Authorization: Bearer <token>)")
    return service.authenticate(session, settings=settings, access_token=token)


MailerDep = Annotated[Mailer, Depends(get_mailer)]
ClientIp = Annotated[str | None, Depends(client_ip)]
CurrentIdentity = Annotated[service.Identity, Depends(current_identity)]


@router.post("/sign-up", status_code=status.HTTP_201_CREATED)
def sign_up(
    body: SignUp, session: SessionDep, settings: SettingsDep, mailer: MailerDep, ip: ClientIp
) -> UserPublic:
    """Create an account; a verification link is mailed to the address."""
    user = service.sign_up(
        session,
        settings=settings,
        mailer=mailer,
        email=body.email,
        password=body.password,
        name=body.name,
        ip=ip,
    )
    return UserPublic.model_validate(user)


@router.post("/verify-email")
def verify_email(body: VerifyEmail, session: SessionDep) -> Accepted:
    service.verify_email(session, token=body.token)
    return Accepted(detail="email address verified")


@router.post("/sign-in")
def sign_in(body: SignIn, runtime: RuntimeDep, ip: ClientIp) -> TokenPairPublic:
    pair = service.sign_in(runtime, email=body.email, password=body.password, ip=ip)
    return _tokens(pair)


@router.post("/refresh")
def refresh(body: RefreshRequest, runtime: RuntimeDep, ip: ClientIp) -> TokenPairPublic:
    """Exchange a refresh token for a new pair; the presented token stops working."""
    return _tokens(service.refresh(runtime, refresh_token=body.refresh_token, ip=ip))


@router.post("/sign-out", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    ip: ClientIp,
    body: SignOut | None = None,
) -> Response:
    """End the session of the given refresh token, or else of the caller's access token."""
    if body is not None and body.refresh_token is not None:
        service.sign_out(session, refresh_token=body.refresh_token, ip=ip)
    else:
        identity = current_identity(request, session, settings)
        service.sign_out(session, identity=identity, ip=ip)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password-reset/request", status_code=status.HTTP_202_ACCEPTED)
def request_password_reset(
    body: PasswordResetRequest,
    session: SessionDep,
    settings: SettingsDep,
    mailer: MailerDep,
    ip: ClientIp,
) -> Accepted:
    """Always 202: whether the address has an account is not disclosed."""
    service.request_password_reset(
        session, settings=settings, mailer=mailer, email=body.email, ip=ip
    )
    return Accepted(detail="if an account uses this address, a reset link is on its way")


@router.post("/password-reset", status_code=status.HTTP_204_NO_CONTENT)
def reset_password(
    body: PasswordReset, session: SessionDep, settings: SettingsDep, ip: ClientIp
) -> Response:
    """Set a new password with a mailed token; every session of the account ends."""
    service.reset_password(
        session, settings=settings, token=body.token, new_password=body.new_password, ip=ip
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me")
def me(identity: CurrentIdentity, session: SessionDep) -> MePublic:
    return MePublic.model_validate(service.get_profile(session, user_id=identity.user_id))


def _tokens(pair: service.TokenPair) -> TokenPairPublic:
    return TokenPairPublic(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )
