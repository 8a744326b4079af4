"""Visitors of the widget: an opaque visitor token (only its SHA-256 is stored) that names one
visitor of one workspace, anonymous or verified (a ``user_id`` the site signed, at most one
visitor per user id and workspace)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from customercare.errors import AuthenticationError, PermissionDenied
from customercare.ids import utcnow
from customercare.widget.configuration import get_settings
from customercare.widget.identity import valid_user_hash
from customercare.widget.models import WidgetVisitor

__all__ = [
    "IdentityInvalid",
    "IdentityRequired",
    "RegisteredVisitor",
    "VisitorInvalid",
    "get_visitor_by_token_or_raise",
    "register_visitor",
]

VISITOR_TOKEN_PREFIX = "ccwv_"  # noqa: S105  # nosec B105: a prefix, not a secret
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


class IdentityRequired(PermissionDenied):
    code = "identity_required"


class IdentityInvalid(PermissionDenied):
    code = "identity_invalid"


class VisitorInvalid(AuthenticationError):
    code = "visitor_invalid"


@dataclass(frozen=True, slots=True)
class RegisteredVisitor:
    visitor: WidgetVisitor
    token: str

    @property
    def verified(self) -> bool:
        return self.visitor.user_id is not None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return f"{VISITOR_TOKEN_PREFIX}{secrets.token_urlsafe(32)}"


def _by_token(session: Session, workspace_id: str, token: str | None) -> WidgetVisitor | None:
    if not token:
        return None
    return session.scalar(
        select(WidgetVisitor).where(
            WidgetVisitor.workspace_id == workspace_id,
            WidgetVisitor.token_hash == _digest(token),
        )
    )


def get_visitor_by_token_or_raise(
    session: Session, *, workspace_id: str, token: str | None
) -> WidgetVisitor:
    """The visitor the token names in this workspace (401 ``visitor_invalid`` otherwise)."""
    visitor = _by_token(session, workspace_id, token)
    if visitor is None:
        raise VisitorInvalid(
            "a valid visitor token is required (X-Visitor-Token; POST /api/v1/widget/visitors)"
        )
    now = utcnow()
    if now - visitor.last_seen_at >= LAST_SEEN_RESOLUTION:  # not a write on every request
        visitor.last_seen_at = now
    return visitor


def register_visitor(
    session: Session,
    *,
    workspace_id: str,
    visitor_token: str | None,
    user_id: str | None,
    user_hash: str | None,
    email: str | None,
    name: str | None,
    page_url: str | None,
) -> RegisteredVisitor:
    """The visitor for this browser: the one its token names (the same token back), or the
        verified user's visitor, or a new one (a new token). With verified visitors on, a signed
        ``user_id`` is required (403 ``identity_required``/``identity_invalid``); with it off, a
    ``user_id`` counts only when signed (an unsigned one is ignored, a badly signed one refused)."""
    config = get_settings(session, workspace_id=workspace_id)
    current = _by_token(session, workspace_id, visitor_token)
    if config.verified_visitors or (user_id and user_hash):
        if not user_id or not user_hash:
            raise IdentityRequired(
                "this widget only serves verified visitors: user_id and user_hash are required"
            )
        if not valid_user_hash(config.identity_secret, user_id, user_hash):
            raise IdentityInvalid("user_hash is not the HMAC of user_id with the identity secret")
        owner = session.scalar(
            select(WidgetVisitor).where(
                WidgetVisitor.workspace_id == workspace_id, WidgetVisitor.user_id == user_id
            )
        )
        if owner is not None:
            # The same user gets the same visitor (and its conversations) in every browser.
            token = visitor_token if current is not None and current.id == owner.id else None
            current = owner
        elif current is not None and current.user_id is None:
            # An anonymous visitor identifies: it keeps its conversations.
            current.user_id = user_id
            token = visitor_token
        else:
            current, token = None, None
    else:  # an unsigned user_id proves nothing: the visitor stays anonymous
        user_id = None
        token = visitor_token if current is not None else None
    if token is None:
        token = _new_token()
    if current is None:
        current = WidgetVisitor(
            workspace_id=workspace_id, user_id=user_id, token_hash=_digest(token)
        )
        session.add(current)
    else:
        current.token_hash = _digest(token)
    for field, value in (("email", email), ("name", name), ("page_url", page_url)):
        if value:
            setattr(current, field, value)
    current.last_seen_at = utcnow()
    session.flush()
    return RegisteredVisitor(visitor=current, token=token)
