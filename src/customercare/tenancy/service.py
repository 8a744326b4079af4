"""Workspaces and API keys. Keys are shown once and stored as SHA-256 digests: they are long
random secrets, so a slow password hash would add latency without adding safety."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from customercare.errors import AuthenticationError, NotFoundError, ValidationFailed
from customercare.ids import utcnow
from customercare.tenancy.models import ApiKey, Workspace

KEY_PREFIX = "ccgpt"
UPDATABLE_FIELDS = frozenset({"name", "answer_threshold"})


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    key: ApiKey
    secret: str


def create_workspace(session: Session, *, name: str) -> Workspace:
    workspace = Workspace(name=name)
    session.add(workspace)
    session.flush()
    return workspace


def get_workspace_or_raise(session: Session, *, workspace_id: str) -> Workspace:
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFoundError(f"workspace {workspace_id} not found")
    return workspace


def update_workspace(session: Session, *, workspace_id: str, changes: dict[str, Any]) -> Workspace:
    """Apply the given fields (``name``, ``answer_threshold``); others are refused."""
    workspace = get_workspace_or_raise(session, workspace_id=workspace_id)
    for field, value in changes.items():
        if field not in UPDATABLE_FIELDS:
            raise ValidationFailed(f"{field} cannot be changed")
        if field == "name" and not value:
            raise ValidationFailed("a workspace needs a name")
        setattr(workspace, field, value)
    session.flush()
    return workspace


def get_workspace_by_name(session: Session, *, name: str) -> Workspace | None:
    return session.scalar(select(Workspace).where(Workspace.name == name).limit(1))


def delete_workspace(session: Session, *, workspace_id: str) -> None:
    """Remove the workspace and its keys; its documents must be removed first."""
    workspace = get_workspace_or_raise(session, workspace_id=workspace_id)
    session.execute(delete(ApiKey).where(ApiKey.workspace_id == workspace_id))
    session.delete(workspace)


def list_workspaces(session: Session) -> list[Workspace]:
    return list(session.scalars(select(Workspace).order_by(Workspace.created_at)))


def create_api_key(session: Session, *, workspace_id: str, name: str) -> IssuedApiKey:
    get_workspace_or_raise(session, workspace_id=workspace_id)
    prefix = secrets.token_hex(4)
    secret = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(workspace_id=workspace_id, name=name, prefix=prefix, key_hash=_digest(secret))
    session.add(key)
    session.flush()
    return IssuedApiKey(key=key, secret=secret)


def authenticate_api_key(session: Session, *, secret: str) -> Workspace:
    """The workspace a key belongs to; one generic error for unknown, malformed or revoked keys."""
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == _digest(secret)))
    if key is None or key.revoked_at is not None:
        raise AuthenticationError("invalid or revoked API key")
    key.last_used_at = utcnow()
    return get_workspace_or_raise(session, workspace_id=key.workspace_id)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
