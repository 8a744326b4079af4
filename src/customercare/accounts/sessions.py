"""A sign-in session is a family of refresh tokens; signing out (or reusing a rotated token)
revokes the family, and access tokens of a revoked family stop working at once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from customercare.accounts.models import RefreshToken, User


def is_active(session: Session, *, user_id: str, session_id: str) -> bool:
    row = session.scalar(
        select(RefreshToken.id)
        .join(User, User.id == RefreshToken.user_id)
        .where(
            RefreshToken.family_id == session_id,
            RefreshToken.user_id == user_id,
            RefreshToken.revoked_at.is_(None),
            User.disabled_at.is_(None),
        )
        .limit(1)
    )
    return row is not None
