"""``/api/v1/auth``: sign-up, email verification, sign-in, refresh, sign-out, password reset
and the signed-in person's profile. HTTP only: every decision is in ``accounts.service``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from customercare.accounts import service
from customercare.accounts.schemas import (
    Accepted,
    MePublic,
    MyMembershipPublic,
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
from customercare.deps import (
    ClientIp,
    CurrentIdentity,
    MailerDep,
    RuntimeDep,
    SessionDep,
    SettingsDep,
    current_identity,
)
from customercare.tenancy import service as tenancy

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


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
    """The signed-in person and the workspaces they belong to."""
    profile = service.get_profile(session, user_id=identity.user_id)
    memberships = tenancy.list_memberships_for_user(session, user_id=identity.user_id)
    return MePublic(
        id=profile.id,
        email=profile.email,
        name=profile.name,
        email_verified=profile.email_verified,
        memberships=[
            MyMembershipPublic(workspace_id=w_id, workspace_name=w_name, role=role)
            for w_id, w_name, role in memberships
        ],
    )


def _tokens(pair: service.TokenPair) -> TokenPairPublic:
    return TokenPairPublic(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )
