"""Single-use, expiring tokens sent by email (``verify_email``, ``reset_password``)."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from customercare.accounts.models import EmailToken
from customercare.accounts.opaque_tokens import digest, new_token
from customercare.errors import InvalidToken
from customercare.ids import utcnow


class Purpose(StrEnum):
    verify_email = "verify_email"
    # A purpose name, not a secret.
    reset_password = "reset_password"  # noqa: S105  # nosec B105  # pragma: allowlist secret


def issue(session: Session, *, user_id: str, purpose: Purpose, lifetime: timedelta) -> str:
    """A new token for the user; only its digest is stored."""
    token = new_token()
    session.add(
        EmailToken(
            user_id=user_id,
            purpose=purpose.value,
            token_hash=digest(token),
            expires_at=utcnow() + lifetime,
        )
    )
    session.flush()
    return token


def consume(session: Session, *, token: str, purpose: Purpose) -> EmailToken:
    """Mark the token used and return it; a token is honoured once, before it expires."""
    row = session.scalar(
        select(EmailToken).where(
            EmailToken.token_hash == digest(token), EmailToken.purpose == purpose.value
        )
    )
    now = utcnow()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise InvalidToken("this link is invalid or has expired")
    # Conditional on still being unused: of two concurrent requests, one wins.
    claimed = session.execute(
        update(EmailToken)
        .where(EmailToken.id == row.id, EmailToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise InvalidToken("this link is invalid or has expired")
    session.refresh(row)
    return row


def discard_unused(session: Session, *, user_id: str, purpose: Purpose) -> None:
    """Use up every outstanding token of this purpose (after a reset, older links are void)."""
    session.execute(
        update(EmailToken)
        .where(
            EmailToken.user_id == user_id,
            EmailToken.purpose == purpose.value,
            EmailToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
