"""Accounts' public face: people and their sign-in sessions: sign-up, email verification,
sign-in (throttled), token refresh with reuse detection, sign-out and password reset.

Functions work in the caller's session. The two whose failure must still leave a trace (a
failed sign-in is audited and counted, a reused refresh token revokes its family) commit in
steps, so they take an ``AccountsContext`` with the session factory.
Over 400 lines: the sign-in session lifecycle (up, in, refresh, out, reset) in one place."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from customercare.accounts import email_tokens, passwords, refresh_tokens, sessions, throttle
from customercare.accounts.email_tokens import Purpose
from customercare.accounts.models import User
from customercare.accounts.tokens import decode_access_token, issue_access_token, secret_key
from customercare.audit import service as audit
from customercare.db.engine import transaction
from customercare.errors import (
    AuthenticationError,
    ConflictError,
    InvalidToken,
    RateLimited,
    ValidationFailed,
)
from customercare.ids import utcnow
from customercare.limits.service import CounterStore
from customercare.mail import Mailer
from customercare.settings import Settings

__all__ = [
    "AccountsContext",
    "Identity",
    "Profile",
    "TokenPair",
    "User",
    "authenticate",
    "create_user",
    "get_by_email",
    "get_profile",
    "get_user_or_raise",
    "get_users",
    "normalise_email",
    "refresh",
    "request_password_reset",
    "reset_password",
    "secret_key",
    "sign_in",
    "sign_out",
    "sign_up",
    "verify_email",
]

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
class Profile:
    id: str
    email: str
    name: str
    email_verified: bool


class AccountsContext(Protocol):
    """What sign-in and refresh use (the runtime provides it)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def sessions(self) -> sessionmaker[Session]: ...
    @property
    def counters(self) -> CounterStore: ...


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
    hours = settings.email_verification_hours
    _mail_link(
        session,
        settings=settings,
        mailer=mailer,
        user=user,
        ip=ip,
        action="auth.sign_up",
        purpose=Purpose.verify_email,
        lifetime=timedelta(hours=hours),
        subject="Confirm your email address",
        text=lambda link: (
            "Welcome to CustomerCareGPT.\n\n"
            f"Confirm your email address by opening this link:\n{link}\n\n"
            f"The link works once and expires in {hours} hours.\n"
        ),
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


def sign_in(context: AccountsContext, *, email: str, password: str, ip: str | None) -> TokenPair:
    """Tokens for a new session. Unknown address and wrong password are one 401; too many
    failures for the account or the address are a 429 whatever the password."""
    settings, counters = context.settings, context.counters
    try:
        address = normalise_email(email)
    except ValidationFailed:
        address = email.strip().lower()
    try:
        throttle.reserve(counters, settings, email=address, ip=ip)
    except RateLimited:
        with transaction(context.sessions) as session:
            user = get_by_email(session, email=address)
            _record_failure(session, user=user, ip=ip, reason="throttled")
        raise
    try:
        pair = _verify_and_start(context, address=address, password=password, ip=ip)
    except BaseException:  # not a wrong password (the database failed): not a failure either
        throttle.refund(counters, settings, email=address, ip=ip)
        raise
    if pair is None:  # the reserved failure stays counted
        raise AuthenticationError(BAD_CREDENTIALS)
    throttle.record_success(counters, settings, email=address, ip=ip)
    return pair


def _verify_and_start(
    context: AccountsContext, *, address: str, password: str, ip: str | None
) -> TokenPair | None:
    """A new session when the password is right (None otherwise, audited either way)."""
    settings = context.settings
    with transaction(context.sessions) as session:
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
    return pair


def refresh(context: AccountsContext, *, refresh_token: str, ip: str | None = None) -> TokenPair:
    """Rotate: the presented token is used up and the next of its family returned. A token
    presented twice means it leaked: the whole family is revoked and the caller gets a 401."""
    settings = context.settings
    lifetime = timedelta(days=settings.refresh_token_days)
    with transaction(context.sessions) as session:
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
    minutes = settings.password_reset_minutes
    _mail_link(
        session,
        settings=settings,
        mailer=mailer,
        user=user,
        ip=ip,
        action="auth.password_reset_requested",
        purpose=Purpose.reset_password,
        lifetime=timedelta(minutes=minutes),
        subject="Reset your password",
        text=lambda link: (
            "Someone (hopefully you) asked to reset the password of this account.\n\n"
            f"Choose a new password here:\n{link}\n\n"
            f"The link works once and expires in {minutes} minutes. "
            "If you did not ask for it, ignore this mail: your password stays as it is.\n"
        ),
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


def get_user_or_raise(session: Session, *, user_id: str) -> User:
    """The account behind a valid token (401 if it has gone meanwhile)."""
    user = session.get(User, user_id)
    if user is None:
        raise AuthenticationError("invalid or expired access token")
    return user


def get_users(session: Session, *, user_ids: Collection[str]) -> dict[str, User]:
    if not user_ids:
        return {}
    users = session.scalars(select(User).where(User.id.in_(list(user_ids))))
    return {user.id: user for user in users}


def get_profile(session: Session, *, user_id: str) -> Profile:
    user = get_user_or_raise(session, user_id=user_id)
    return Profile(
        id=user.id,
        email=user.email,
        name=user.name,
        email_verified=user.email_verified_at is not None,
    )


def _mail_link(
    session: Session,
    *,
    settings: Settings,
    mailer: Mailer,
    user: User,
    ip: str | None,
    action: str,
    purpose: Purpose,
    lifetime: timedelta,
    subject: str,
    text: Callable[[str], str],
) -> None:
    """Issue a single-use token, audit ``action`` and mail the link (the mailer sends after
    the commit: see ``deps.DeferredMailer``)."""
    token = email_tokens.issue(session, user_id=user.id, purpose=purpose, lifetime=lifetime)
    audit.record(session, action=action, actor_user_id=user.id, ip=ip)
    page = "verify-email" if purpose is Purpose.verify_email else "reset-password"
    mailer.send(
        user.email, subject, text(f"{settings.public_url.rstrip('/')}/{page}?token={token}")
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
