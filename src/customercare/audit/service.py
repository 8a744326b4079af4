"""The audit log's public face: security-relevant actions, recorded in the caller's
transaction, so an entry exists exactly when the change it records does. Details describe
what happened; they never hold secrets (passwords, tokens, keys). Accounts and tenancy both
write here, so the log sits below both."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from customercare.audit.models import AuditEvent

__all__ = ["Actor", "AuditEvent", "list_events", "record", "record_by"]


def record(
    session: Session,
    *,
    action: str,
    workspace_id: str | None = None,
    actor_user_id: str | None = None,
    actor_api_key_id: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        workspace_id=workspace_id,
        actor_user_id=actor_user_id,
        actor_api_key_id=actor_api_key_id,
        target_type=target_type,
        target_id=target_id,
        ip=ip,
        details=dict(details or {}),
    )
    session.add(event)
    session.flush()
    return event


class Actor(Protocol):
    """Who acts in a workspace: a ``tenancy.Principal`` (a person or an API key)."""

    @property
    def workspace_id(self) -> str: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def api_key_id(self) -> str | None: ...


def record_by(
    session: Session,
    actor: Actor,
    *,
    action: str,
    target_type: str | None = None,
    target_id: str | None = None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record an action of ``actor`` (a principal) in its workspace."""
    return record(
        session,
        action=action,
        workspace_id=actor.workspace_id,
        actor_user_id=actor.user_id,
        actor_api_key_id=actor.api_key_id,
        target_type=target_type,
        target_id=target_id,
        ip=ip,
        details=details,
    )


def list_events(
    session: Session, *, workspace_id: str, limit: int = 50, before: datetime | None = None
) -> list[AuditEvent]:
    """The workspace's events, newest first; ``before`` pages back from an event's time."""
    query = select(AuditEvent).where(AuditEvent.workspace_id == workspace_id)
    if before is not None:
        query = query.where(AuditEvent.created_at < before)
    query = query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)
    return list(session.scalars(query))
