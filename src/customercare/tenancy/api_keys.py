"""API keys: secret keys with scopes and publishable widget keys; shown once, stored as
SHA-256 digests (long random secrets: a slow password hash would add latency, not safety)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from customercare.audit.service import Actor
from customercare.errors import (
    AuthenticationError,
    NotFoundError,
    ValidationFailed,
)
from customercare.ids import utcnow
from customercare.tenancy.changes import digest, record_change
from customercare.tenancy.models import ApiKey, Workspace
from customercare.tenancy.permissions import PUBLISHABLE_SCOPES, Scope
from customercare.tenancy.workspaces import get_workspace_or_raise

KEY_PREFIX = "ccgpt"


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    key: ApiKey
    secret: str


def create_api_key(
    session: Session,
    *,
    workspace_id: str,
    name: str,
    scopes: Sequence[str] = (Scope.admin,),
    publishable: bool = False,
    created_by: str | None = None,
    actor: Actor | None = None,
    ip: str | None = None,
    via: str | None = None,
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
        key_hash=digest(secret),
        kind=kind,
        scopes=[str(scope) for scope in granted],
        created_by=created_by,
    )
    session.add(key)
    session.flush()
    details = {"name": key.name, "prefix": key.prefix, "kind": key.kind, "scopes": key.scopes}
    record_change(
        session,
        actor,
        ip,
        "api_key.created",
        "api_key",
        key.id,
        workspace_id=workspace_id,
        **details,
        **({"via": via} if via else {}),
    )
    return IssuedApiKey(key=key, secret=secret)


# A key's last use is recorded to the minute: stamping every request would turn each
# authenticated read into a write on the key's row.


LAST_USE_RESOLUTION = timedelta(minutes=1)


def looks_like_api_key(secret: str) -> bool:
    return secret.startswith(f"{KEY_PREFIX}_")


def authenticate_api_key(session: Session, *, secret: str) -> tuple[ApiKey, Workspace]:
    """The key and its workspace; one generic error for unknown, malformed or revoked keys."""
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest(secret)))
    if key is None or key.revoked_at is not None:
        raise AuthenticationError("invalid or revoked API key")
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USE_RESOLUTION:
        key.last_used_at = now
    return key, get_workspace_or_raise(session, workspace_id=key.workspace_id)


def list_api_keys(session: Session, *, workspace_id: str) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(ApiKey.created_at, ApiKey.id)))


def revoke_api_key(
    session: Session,
    *,
    workspace_id: str,
    key_id: str,
    actor: Actor | None = None,
    ip: str | None = None,
    via: str | None = None,
) -> ApiKey:
    """Revoke at once (idempotent); a key of another workspace does not exist."""
    key = session.get(ApiKey, key_id)
    if key is None or key.workspace_id != workspace_id:
        raise NotFoundError(f"API key {key_id} not found")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
    record_change(
        session,
        actor,
        ip,
        "api_key.revoked",
        "api_key",
        key.id,
        workspace_id=workspace_id,
        name=key.name,
        prefix=key.prefix,
        **({"via": via} if via else {}),
    )
    return key
