"""Refresh tokens in families: one family per sign-in. Rotating marks the presented token
used and issues the next; a used or revoked token presented again revokes its whole family."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from customercare.accounts.models import RefreshToken
from customercare.accounts.opaque_tokens import digest, new_token
from customercare.ids import new_id, utcnow


@dataclass(frozen=True, slots=True)
class Issued:
    user_id: str
    family_id: str
    token: str


@dataclass(frozen=True, slots=True)
class Rotation:
    """The outcome of presenting a token: ``issued`` on success, else why it failed."""

    issued: Issued | None = None
    reused: RefreshToken | None = None


def issue(
    session: Session, *, user_id: str, lifetime: timedelta, family_id: str | None = None
) -> Issued:
    token = new_token()
    family = family_id or new_id()
    session.add(
        RefreshToken(
            user_id=user_id,
            family_id=family,
            token_hash=digest(token),
            expires_at=utcnow() + lifetime,
        )
    )
    session.flush()
    return Issued(user_id=user_id, family_id=family, token=token)


def find(session: Session, *, token: str) -> RefreshToken | None:
    return session.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(token)))


def rotate(session: Session, *, token: str, lifetime: timedelta) -> Rotation:
    row = find(session, token=token)
    now = utcnow()
    if row is None or row.expires_at <= now:
        return Rotation()
    if row.used_at is not None or row.revoked_at is not None:
        revoke_family(session, family_id=row.family_id)
        return Rotation(reused=row)
    # Conditional on still being unused: of two concurrent rotations, the loser is a reuse.
    claimed = session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == row.id,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        revoke_family(session, family_id=row.family_id)
        return Rotation(reused=row)
    return Rotation(
        issued=issue(session, user_id=row.user_id, lifetime=lifetime, family_id=row.family_id)
    )


def revoke_family(session: Session, *, family_id: str) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def revoke_all(session: Session, *, user_id: str) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
