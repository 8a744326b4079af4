"""Workspaces: create, read, update (audited), delete, and who may embed their widget."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, delete, or_, select, update
from sqlalchemy.orm import Session

from customercare.audit import service as audit
from customercare.audit.service import Actor
from customercare.errors import (
    NotFoundError,
    ValidationFailed,
)
from customercare.tenancy.changes import record_change
from customercare.tenancy.models import ApiKey, Membership, Workspace
from customercare.tenancy.permissions import Role
from customercare.tenancy.schemas import normalise_origins, origin_matches, wildcards_covering

UPDATABLE_FIELDS = frozenset({"name", "answer_threshold", "allowed_domains"})


def create_workspace(session: Session, *, name: str, plan: str = "free") -> Workspace:
    workspace = Workspace(name=name, plan=plan)
    session.add(workspace)
    session.flush()
    return workspace


def get_workspace_or_raise(session: Session, *, workspace_id: str) -> Workspace:
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFoundError(f"workspace {workspace_id} not found")
    return workspace


def update_workspace(
    session: Session,
    *,
    workspace_id: str,
    changes: dict[str, Any],
    actor: Actor | None = None,
    ip: str | None = None,
) -> Workspace:
    """Apply the given fields (``name``, ``answer_threshold``, ``allowed_domains``); others are
    refused."""
    workspace = get_workspace_or_raise(session, workspace_id=workspace_id)
    for field, value in changes.items():
        if field not in UPDATABLE_FIELDS:
            raise ValidationFailed(f"{field} cannot be changed")
        if field == "name" and not value:
            raise ValidationFailed("a workspace needs a name")
        if field == "allowed_domains":
            try:
                value = normalise_origins(list(value or []))
            except ValueError as error:
                raise ValidationFailed(str(error)) from error
        setattr(workspace, field, value)
    session.flush()
    record_change(
        session,
        actor,
        ip,
        "workspace.updated",
        "workspace",
        workspace.id,
        workspace_id=workspace_id,
        changes=changes,
    )
    return workspace


def plan_of(session: Session, *, workspace_id: str) -> str | None:
    """The workspace's plan name, or None when there is no such workspace."""
    return session.scalar(select(Workspace.plan).where(Workspace.id == workspace_id))


def lock_workspace(session: Session, *, workspace_id: str) -> str | None:
    """Serialise the workspace's quota-checked writes until the transaction ends, and return
    its plan (None: no such workspace). Counting and then writing is one step only while the
    lock is held: two uploads cannot both see room for one more document. Call it first in
    the transaction: SQLite locks the whole database on the first write, PostgreSQL the row."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: a write (that changes nothing) takes the database's.
        session.execute(
            update(Workspace).where(Workspace.id == workspace_id).values(plan=Workspace.plan)
        )
        return plan_of(session, workspace_id=workspace_id)
    return session.scalar(
        select(Workspace.plan).where(Workspace.id == workspace_id).with_for_update()
    )


def get_workspace_by_name(session: Session, *, name: str) -> Workspace | None:
    return session.scalar(select(Workspace).where(Workspace.name == name).limit(1))


def delete_workspace(session: Session, *, workspace_id: str) -> None:
    """Remove the workspace and its keys; its documents must be removed first."""
    workspace = get_workspace_or_raise(session, workspace_id=workspace_id)
    session.execute(delete(ApiKey).where(ApiKey.workspace_id == workspace_id))
    session.delete(workspace)


def list_workspaces(session: Session) -> list[Workspace]:
    return list(session.scalars(select(Workspace).order_by(Workspace.created_at)))


def origin_allowed(workspace: Workspace, origin: str | None) -> bool:
    """Whether a browser page at ``origin`` may use the workspace's publishable keys: an
    allowed domain names it exactly, or is a wildcard (``https://*.shop.example``) covering it
    with the same scheme and port."""
    if not origin:
        return False
    wanted = origin.rstrip("/").lower()
    return any(origin_matches(domain, wanted) for domain in workspace.allowed_domains or [])


def create_workspace_for_user(
    session: Session, *, name: str, user_id: str, ip: str | None = None
) -> Workspace:
    """A new workspace whose creator is its first owner."""
    workspace = create_workspace(session, name=name)
    session.add(Membership(workspace_id=workspace.id, user_id=user_id, role=Role.owner))
    session.flush()
    audit.record(
        session,
        action="workspace.created",
        workspace_id=workspace.id,
        actor_user_id=user_id,
        target_type="workspace",
        target_id=workspace.id,
        ip=ip,
        details={"name": workspace.name},
    )
    return workspace


def widget_origin_allowed(session: Session, *, origin: str, workspace_id: str | None) -> bool:
    """Whether a browser page at ``origin`` (a valid, canonical origin) may call the chat API:
    the workspace lists it in ``allowed_domains``; with no workspace (a CORS preflight names
    none), whether any workspace lists it."""
    if workspace_id is not None:
        workspace = session.get(Workspace, workspace_id)
        return workspace is not None and origin_allowed(workspace, origin)
    # Origins are validated to [a-z0-9.:/-] (and "*." for a wildcard, which has no meaning in
    # LIKE): no LIKE wildcards; the match is confirmed by origin_matches.
    candidates = [origin, *wildcards_covering(origin)]
    column = cast(Workspace.allowed_domains, String)
    rows = session.scalars(
        select(Workspace.allowed_domains)
        .where(or_(*(column.like(f'%"{candidate}"%') for candidate in candidates)))
        .limit(20)
    )
    return any(origin_matches(domain, origin) for domains in rows for domain in (domains or []))
