"""People and their sign-in sessions: sign-up, email verification, sign-in (throttled),
token refresh with reuse detection, sign-out and password reset.

Functions whose failure must still leave a trace (a failed sign-in is audited and counted, a
reused refresh token revokes its family) take the runtime and commit that trace themselves
before raising; the others work in the caller's session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from customercare.accounts import email_tokens, passwords, refresh_tokens, sessions, throttle
from customercare.accounts.email_tokens import Purpose
from customercare.accounts.models import User
from customercare.accounts.tokens import decode_access_token, issue_access_token
from customercare.db.engine import transaction
from customercare.errors import (
    AuthenticationError,
    ConflictError,
    InvalidToken,
    RateLimited,
    ValidationFailed,
)
from customercare.ids import utcnow
from customercare.mail import Mailer
from customercare.runtime import Runtime
from customercare.settings import Settings
from customercare.tenancy import audit
from customercare.tenancy import service as tenancy

BAD_CREDENTIALS = "invalid email or password"
BAD_REFRESH = "invalid or expired refresh token"


@dataclass(frozen=True, slots=True)
class TokenPair:
    user_id: str
    session_id: str
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class MembershipInfo:
    workspace_id: str
    workspace_name: str
    role: str


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    email: str
    name: str
    email_verified: bool
    memberships: list[MembershipInfo]


@dataclass(frozen=True, slots=True)
class Identity:
    user_id: str
    session_id: str


def normalise_email(email: str) -> str:
    """One spelling per address: trimmed, checked and lower-cased (422 when malformed)."""
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationFailed("this is not a valid email address") from error
    return checked.normalized.lower()


def get_by_email(session: Session, *, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def create_user(
    session: Session,
    *,
    settings: Settings,
    email: str,
    password: str,
    name: str = "",
    verified: bool = False,
) -> User:
    """A new account (409 when the address is taken); the password must meet the policy."""
    address = normalise_email(email)
    passwords.check_policy(password, email=address)
    if get_by_email(session, email=address) is not None:
        raise ConflictError("an account cannot be created with this email address")
    user = User(
        email=address,
        name=name.strip(),
        password_hash=passwords.hash_password(settings, password),
        email_verified_at=utcnow() if verified else None,
    )
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError as error:  # a concurrent sign-up with the same address won
        raise ConflictError("an account cannot be created with this email address") from error
    return user


def sign_up(
    session: Session,
    *,
    settings: Settings,
    mailer: Mailer,
    email: str,
    password: str,
    name: str = "",
    ip: str | None = None,
) -> User:
    """Create the account and mail a verification link (valid once, for a limited time)."""
    user = create_user(session, settings=settings, email=email, password=password, name=name)
    token = email_tokens.issue(
        session,
        user_id=user.id,
        purpose=Purpose.verify_email,
        lifetime=timedelta(hours=settings.email_verification_hours),
    )
    audit.record(session, action="auth.sign_up", actor_user_id=user.id, ip=ip)
    mailer.send(
        user.email,
        "Confirm your email address",
        "Welcome to CustomerCareGPT.\n\n"
        "Confirm your email address by opening this link:\n"
        f"{settings.public_url.rstrip('/')}/verify-email?token={token}\n\n"
        f"The link works once and expires in {settings.email_verification_hours} hours.\n",
    )
    return user


def verify_email(session: Session, *, token: str) -> User:
    used = email_tokens.consume(session, token=token, purpose=Purpose.verify_email)
    user = session.get(User, used.user_id)
    if user is None:
        raise InvalidToken("this link is invalid or has expired")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    audit.record(session, action="auth.email_verified", actor_user_id=user.id)
    return user


def sign_in(runtime: Runtime, *, email: str, password: str, ip: str | None) -> TokenPair:
    """Tokens for a new session. Unknown address and wrong password are one 401; too many
    failures for the account or the address are a 429 whatever the password."""
    settings, counters = runtime.settings, runtime.counters
    try:
        address = normalise_email(email)
    except ValidationFailed:
        address = email.strip().lower()
    try:
        throttle.check(counters, settings, email=address, ip=ip)
    except RateLimited:
        with transaction(runtime.sessions) as session:
            user = get_by_email(session, email=address)
            _record_failure(session, user=user, ip=ip, reason="throttled")
        raise
    with transaction(runtime.sessions) as session:
        user = get_by_email(session, email=address)
        if user is None:
            passwords.burn_verification(settings, password)
            accepted = False
        else:
            accepted = passwords.verify_password(
                settings, password_hash=user.password_hash, password=password
            )
        if user is None or not accepted or user.disabled_at is not None:
            _record_failure(session, user=user, ip=ip, reason="bad_credentials")
            pair = None
        else:
            if passwords.needs_rehash(settings, user.password_hash):
                user.password_hash = passwords.hash_password(settings, password)
            pair = _start_session(session, settings=settings, user_id=user.id)
            audit.record(
                session,
                action="auth.sign_in",
                actor_user_id=user.id,
                target_type="session",
                target_id=pair.session_id,
                ip=ip,
            )
    if pair is None:
        throttle.record_failure(counters, settings, email=address, ip=ip)
        raise AuthenticationError(BAD_CREDENTIALS)
    throttle.record_success(counters, email=address)
    return pair


def refresh(runtime: Runtime, *, refresh_token: str, ip: str | None = None) -> TokenPair:
    """Rotate: the presented token is used up and the next of its family returned. A token
    presented twice means it leaked: the whole family is revoked and the caller gets a 401."""
    settings = runtime.settings
    lifetime = timedelta(days=settings.refresh_token_days)
    with transaction(runtime.sessions) as session:
        rotation = refresh_tokens.rotate(session, token=refresh_token, lifetime=lifetime)
        issued = rotation.issued
        if rotation.reused is not None:
            audit.record(
                session,
                action="auth.refresh_token_reused",
                actor_user_id=rotation.reused.user_id,
                target_type="session",
                target_id=rotation.reused.family_id,
                ip=ip,
            )
        if issued is not None:
            user = session.get(User, issued.user_id)
            if user is None or user.disabled_at is not None:
                refresh_tokens.revoke_family(session, family_id=issued.family_id)
                issued = None
    if issued is None:
        raise AuthenticationError(BAD_REFRESH)
    return _pair(settings, issued)


def sign_out(
    session: Session,
    *,
    refresh_token: str | None = None,
    identity: Identity | None = None,
    ip: str | None = None,
) -> None:
    """End the session named by a refresh token or by the caller's access token."""
    if refresh_token is not None:
        row = refresh_tokens.find(session, token=refresh_token)
        if row is None:
            raise AuthenticationError(BAD_REFRESH)
        identity = Identity(user_id=row.user_id, session_id=row.family_id)
    if identity is None:
        raise AuthenticationError("a refresh token or an access token is required")
    refresh_tokens.revoke_family(session, family_id=identity.session_id)
    audit.record(
        session,
        action="auth.sign_out",
        actor_user_id=identity.user_id,
        target_type="session",
        target_id=identity.session_id,
        ip=ip,
    )


def request_password_reset(
    session: Session, *, settings: Settings, mailer: Mailer, email: str, ip: str | None = None
) -> None:
    """Mail a reset link if the address has an account; say nothing either way."""
    try:
        address = normalise_email(email)
    except ValidationFailed:
        return
    user = get_by_email(session, email=address)
    if user is None or user.disabled_at is not None:
        return
    token = email_tokens.issue(
        session,
        user_id=user.id,
        purpose=Purpose.reset_password,
        lifetime=timedelta(minutes=settings.password_reset_minutes),
    )
    audit.record(session, action="auth.password_reset_requested", actor_user_id=user.id, ip=ip)
    mailer.send(
        user.email,
        "Reset your password",
        "Someone (hopefully you) asked to reset the password of this account.\n\n"
        "Choose a new password here:\n"
        f"{settings.public_url.rstrip('/')}/reset-password?token={token}\n\n"
        f"The link works once and expires in {settings.password_reset_minutes} minutes. "
        "If you did not ask for it, ignore this mail: your password stays as it is.\n",
    )


def reset_password(
    session: Session, *, settings: Settings, token: str, new_password: str, ip: str | None = None
) -> User:
    """Set the new password and end every session of the account."""
    used = email_tokens.consume(session, token=token, purpose=Purpose.reset_password)
    user = session.get(User, used.user_id)
    if user is None:
        raise InvalidToken("this link is invalid or has expired")
    passwords.check_policy(new_password, email=user.email)
    user.password_hash = passwords.hash_password(settings, new_password)
    # Whoever could read the mail could read the address: it is verified now.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    email_tokens.discard_unused(session, user_id=user.id, purpose=Purpose.reset_password)
    refresh_tokens.revoke_all(session, user_id=user.id)
    audit.record(session, action="auth.password_reset", actor_user_id=user.id, ip=ip)
    return user


def authenticate(session: Session, *, settings: Settings, access_token: str) -> Identity:
    """The person behind an access token whose session is still active (401 otherwise)."""
    claims = decode_access_token(settings, access_token)
    identity = Identity(user_id=claims["user_id"], session_id=claims["session_id"])
    if not sessions.is_active(session, user_id=identity.user_id, session_id=identity.session_id):
        raise AuthenticationError("invalid or expired access token")
    return identity


def get_profile(session: Session, *, user_id: str) -> Profile:
    user = session.get(User, user_id)
    if user is None:
        raise AuthenticationError("invalid or expired access token")
    rows = tenancy.list_memberships_for_user(session, user_id=user_id)
    return Profile(
        id=user.id,
        email=user.email,
        name=user.name,
        email_verified=user.email_verified_at is not None,
        memberships=[MembershipInfo(w_id, w_name, role) for w_id, w_name, role in rows],
    )


def _start_session(session: Session, *, settings: Settings, user_id: str) -> TokenPair:
    issued = refresh_tokens.issue(
        session, user_id=user_id, lifetime=timedelta(days=settings.refresh_token_days)
    )
    return _pair(settings, issued)


def _pair(settings: Settings, issued: refresh_tokens.Issued) -> TokenPair:
    return TokenPair(
        user_id=issued.user_id,
        session_id=issued.family_id,
        access_token=issue_access_token(
            settings, user_id=issued.user_id, session_id=issued.family_id
        ),
        refresh_token=issued.token,
        expires_in=settings.access_token_minutes * 60,
    )


def _record_failure(session: Session, *, user: User | None, ip: str | None, reason: str) -> None:
    audit.record(
        session,
        action="auth.sign_in_failed",
        actor_user_id=user.id if user is not None else None,
        target_type="user" if user is not None else None,
        target_id=user.id if user is not None else None,
        ip=ip,
        details={"reason": reason, "known_account": user is not None},
    )
