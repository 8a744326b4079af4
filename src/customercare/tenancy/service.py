"""Workspaces and API keys. Keys are shown once and stored as SHA-256 digests: they are long
random secrets, so a slow password hash would add latency without adding safety."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from customercare.errors import AuthenticationError, NotFoundError, ValidationFailed
from customercare.ids import utcnow
from customercare.tenancy.models import ApiKey, Membership, Workspace
from customercare.tenancy.permissions import PUBLISHABLE_SCOPES, Scope

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


def create_api_key(
    session: Session,
    *,
    workspace_id: str,
    name: str,
    scopes: Sequence[str] = (Scope.admin,),
    publishable: bool = False,
    created_by: str | None = None,
) -> IssuedApiKey:
    """A new key, shown once. A publishable key (for the widget) may only ever chat."""
    get_workspace_or_raise(session, workspace_id=workspace_id)
    granted = sorted(PUBLISHABLE_SCOPES) if publishable else sorted({Scope(s) for s in scopes})
    if not granted:
        raise ValidationFailed("an API key needs at least one scope")
    prefix = secrets.token_hex(4)
    kind = "publishable" if publishable else "secret"
    marker = f"{KEY_PREFIX}_pk" if publishable else KEY_PREFIX
    secret = f"{marker}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        workspace_id=workspace_id,
        name=name,
        prefix=prefix,
        key_hash=_digest(secret),
        kind=kind,
        scopes=[str(scope) for scope in granted],
        created_by=created_by,
    )
    session.add(key)
    session.flush()
    return IssuedApiKey(key=key, secret=secret)


def looks_like_api_key(secret: str) -> bool:
    return secret.startswith(f"{KEY_PREFIX}_")


def authenticate_api_key(session: Session, *, secret: str) -> tuple[ApiKey, Workspace]:
    """The key and its workspace; one generic error for unknown, malformed or revoked keys."""
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == _digest(secret)))
    if key is None or key.revoked_at is not None:
        raise AuthenticationError("invalid or revoked API key")
    key.last_used_at = utcnow()
    return key, get_workspace_or_raise(session, workspace_id=key.workspace_id)


def origin_allowed(workspace: Workspace, origin: str | None) -> bool:
    """Whether a browser page at ``origin`` may use the workspace's publishable keys."""
    if not origin:
        return False
    wanted = origin.rstrip("/").lower()
    return any(domain.rstrip("/").lower() == wanted for domain in workspace.allowed_domains)


def get_membership_or_raise(session: Session, *, workspace_id: str, user_id: str) -> Membership:
    """A person's membership; not a member reads as a workspace that does not exist."""
    membership = session.scalar(
        select(Membership).where(
            Membership.workspace_id == workspace_id, Membership.user_id == user_id
        )
    )
    if membership is None:
        raise NotFoundError(f"workspace {workspace_id} not found")
    return membership


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
