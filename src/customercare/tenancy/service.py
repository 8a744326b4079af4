"""Workspaces, their members, invitations and API keys. Keys and invitation tokens are shown once
and stored as SHA-256 digests: they are long random secrets, so a slow password hash would add
latency without adding safety."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import String, cast, delete, func, select
from sqlalchemy.orm import Session

from customercare.accounts.models import User
from customercare.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDenied,
    ValidationFailed,
)
from customercare.ids import utcnow
from customercare.tenancy.models import ApiKey, Invitation, Membership, Workspace
from customercare.tenancy.permissions import PUBLISHABLE_SCOPES, Role, Scope
from customercare.tenancy.schemas import normalise_origins

KEY_PREFIX = "ccgpt"
INVITATION_PREFIX = "inv"
UPDATABLE_FIELDS = frozenset({"name", "answer_threshold", "allowed_domains"})
LAST_OWNER = "a workspace needs an owner: make someone else owner first"


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    key: ApiKey
    secret: str


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


def update_workspace(session: Session, *, workspace_id: str, changes: dict[str, Any]) -> Workspace:
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


# A key's last use is recorded to the minute: stamping every request would turn each
# authenticated read into a write on the key's row.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def looks_like_api_key(secret: str) -> bool:
    return secret.startswith(f"{KEY_PREFIX}_")


def authenticate_api_key(session: Session, *, secret: str) -> tuple[ApiKey, Workspace]:
    """The key and its workspace; one generic error for unknown, malformed or revoked keys."""
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == _digest(secret)))
    if key is None or key.revoked_at is not None:
        raise AuthenticationError("invalid or revoked API key")
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USE_RESOLUTION:
        key.last_used_at = now
    return key, get_workspace_or_raise(session, workspace_id=key.workspace_id)


def origin_allowed(workspace: Workspace, origin: str | None) -> bool:
    """Whether a browser page at ``origin`` may use the workspace's publishable keys."""
    if not origin:
        return False
    wanted = origin.rstrip("/").lower()
    return any(domain.rstrip("/").lower() == wanted for domain in workspace.allowed_domains)


def list_memberships_for_user(session: Session, *, user_id: str) -> list[tuple[str, str, str]]:
    """(workspace id, workspace name, role) of every workspace the person belongs to."""
    rows = session.execute(
        select(Membership.workspace_id, Workspace.name, Membership.role)
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(Membership.user_id == user_id)
        .order_by(Workspace.name)
    ).tuples()
    return list(rows.all())


def get_membership_or_raise(session: Session, *, workspace_id: str, user_id: str) -> Membership:
    """A person's membership; not a member reads as a workspace that does not exist."""
    membership = _find_membership(session, workspace_id=workspace_id, user_id=user_id)
    if membership is None:
        raise NotFoundError(f"workspace {workspace_id} not found")
    return membership


def create_workspace_for_user(session: Session, *, name: str, user_id: str) -> Workspace:
    """A new workspace whose creator is its first owner."""
    workspace = create_workspace(session, name=name)
    session.add(Membership(workspace_id=workspace.id, user_id=user_id, role=Role.owner))
    session.flush()
    return workspace


def list_api_keys(session: Session, *, workspace_id: str) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(ApiKey.created_at, ApiKey.id)))


def revoke_api_key(session: Session, *, workspace_id: str, key_id: str) -> ApiKey:
    """Revoke at once (idempotent); a key of another workspace does not exist."""
    key = session.get(ApiKey, key_id)
    if key is None or key.workspace_id != workspace_id:
        raise NotFoundError(f"API key {key_id} not found")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
    return key


# Members -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    membership: Membership
    user: User


def list_members(session: Session, *, workspace_id: str) -> list[Member]:
    rows = session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == workspace_id)
        .order_by(Membership.created_at, Membership.id)
    )
    return [Member(membership=membership, user=user) for membership, user in rows]


def change_role(
    session: Session, *, workspace_id: str, user_id: str, role: Role, actor_role: Role | None
) -> tuple[Membership, Role]:
    """Set a member's role; returns the membership and its previous role. Only an owner may make
    or unmake an owner, and the last owner cannot be demoted."""
    membership = _member_or_raise(session, workspace_id=workspace_id, user_id=user_id)
    previous = Role(membership.role)
    if Role.owner in (previous, role) and actor_role is not Role.owner:
        raise PermissionDenied("only an owner may grant or remove the owner role")
    if previous is Role.owner and role is not Role.owner:
        _ensure_another_owner(session, workspace_id=workspace_id)
    membership.role = role
    session.flush()
    return membership, previous


def remove_member(
    session: Session, *, workspace_id: str, user_id: str, actor_role: Role | None
) -> Membership:
    membership = _member_or_raise(session, workspace_id=workspace_id, user_id=user_id)
    if membership.role == Role.owner:
        if actor_role is not Role.owner:
            raise PermissionDenied("only an owner may remove an owner")
        _ensure_another_owner(session, workspace_id=workspace_id)
    session.delete(membership)
    session.flush()
    return membership


def leave_workspace(session: Session, *, workspace_id: str, user_id: str) -> Membership:
    membership = _member_or_raise(session, workspace_id=workspace_id, user_id=user_id)
    if membership.role == Role.owner:
        _ensure_another_owner(session, workspace_id=workspace_id)
    session.delete(membership)
    session.flush()
    return membership


def _member_or_raise(session: Session, *, workspace_id: str, user_id: str) -> Membership:
    membership = _find_membership(session, workspace_id=workspace_id, user_id=user_id)
    if membership is None:
        raise NotFoundError(f"member {user_id} not found")
    return membership


def _find_membership(session: Session, *, workspace_id: str, user_id: str) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.workspace_id == workspace_id, Membership.user_id == user_id
        )
    )


def _ensure_another_owner(session: Session, *, workspace_id: str) -> None:
    # The owners' rows are locked (PostgreSQL) so two owners cannot demote each other at once.
    owners = session.scalars(
        select(Membership.id)
        .where(Membership.workspace_id == workspace_id, Membership.role == Role.owner)
        .with_for_update()
    ).all()
    if len(owners) <= 1:
        raise ConflictError(LAST_OWNER)


# Invitations ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    invitation: Invitation
    token: str


def create_invitation(
    session: Session,
    *,
    workspace_id: str,
    email: str,
    role: Role,
    invited_by: str | None,
    actor_role: Role | None,
    valid_for: timedelta,
) -> IssuedInvitation:
    """A single-use invitation; an earlier pending one for the same address is revoked."""
    get_workspace_or_raise(session, workspace_id=workspace_id)
    if role is Role.owner and actor_role is not Role.owner:
        raise PermissionDenied("only an owner may invite an owner")
    address = email.strip().lower()
    now = utcnow()
    for pending in session.scalars(
        select(Invitation).where(
            Invitation.workspace_id == workspace_id,
            Invitation.email == address,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        pending.revoked_at = now
    token = f"{INVITATION_PREFIX}_{secrets.token_urlsafe(32)}"
    invitation = Invitation(
        workspace_id=workspace_id,
        email=address,
        role=role,
        token_hash=_digest(token),
        invited_by=invited_by,
        expires_at=now + valid_for,
    )
    session.add(invitation)
    session.flush()
    return IssuedInvitation(invitation=invitation, token=token)


def list_invitations(session: Session, *, workspace_id: str) -> list[Invitation]:
    query = select(Invitation).where(Invitation.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(Invitation.created_at.desc(), Invitation.id)))


def revoke_invitation(session: Session, *, workspace_id: str, invitation_id: str) -> Invitation:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.workspace_id != workspace_id:
        raise NotFoundError(f"invitation {invitation_id} not found")
    if invitation.accepted_at is not None:
        raise ConflictError("this invitation was already accepted")
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        session.flush()
    return invitation


def accept_invitation(
    session: Session, *, token: str, user_id: str, email: str
) -> tuple[Invitation, Membership]:
    """Join the invitation's workspace. The token works once, before it expires, and only for
    the person it was sent to; an existing member keeps their role."""
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == _digest(token)))
    now = utcnow()
    if (
        invitation is None
        or invitation.revoked_at is not None
        or invitation.accepted_at is not None
        or invitation.expires_at <= now
    ):
        raise NotFoundError("this invitation does not exist, was used, revoked or has expired")
    if invitation.email != email.strip().lower():
        raise PermissionDenied("this invitation was sent to another email address")
    invitation.accepted_at = now
    membership = session.scalar(
        select(Membership).where(
            Membership.workspace_id == invitation.workspace_id, Membership.user_id == user_id
        )
    )
    if membership is None:
        membership = Membership(
            workspace_id=invitation.workspace_id, user_id=user_id, role=invitation.role
        )
        session.add(membership)
    session.flush()
    return invitation, membership


def count_owners(session: Session, *, workspace_id: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.workspace_id == workspace_id, Membership.role == Role.owner)
        )
        or 0
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def widget_origin_allowed(session: Session, *, origin: str, workspace_id: str | None) -> bool:
    """Whether a browser page at ``origin`` (a valid, canonical origin) may call the chat API:
    the workspace lists it in ``allowed_domains``; with no workspace (a CORS preflight names
    none), whether any workspace lists it."""
    if workspace_id is not None:
        workspace = session.get(Workspace, workspace_id)
        return workspace is not None and origin_allowed(workspace, origin)
    # Origins are validated to [a-z0-9.:/-]: no LIKE wildcards; the match is confirmed exactly.
    rows = session.scalars(
        select(Workspace.allowed_domains)
        .where(cast(Workspace.allowed_domains, String).like(f'%"{origin}"%'))
        .limit(20)
    )
    return any(origin in (domains or []) for domains in rows)
