"""Members and their roles, and invitations to join (mailed once the transaction commits).
The last owner can neither leave nor be demoted."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from customercare.accounts import service as accounts
from customercare.audit import service as audit
from customercare.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
)
from customercare.ids import utcnow
from customercare.mail import Mailer
from customercare.settings import Settings
from customercare.tenancy.changes import digest, record_change
from customercare.tenancy.models import Invitation, Membership, Workspace
from customercare.tenancy.permissions import Role
from customercare.tenancy.principal import Principal
from customercare.tenancy.workspaces import get_workspace_or_raise

INVITATION_PREFIX = "inv"


LAST_OWNER = "a workspace needs an owner: make someone else owner first"


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


@dataclass(frozen=True, slots=True)
class Member:
    membership: Membership
    user: accounts.User


def list_members(session: Session, *, workspace_id: str) -> list[Member]:
    memberships = list(
        session.scalars(
            select(Membership)
            .where(Membership.workspace_id == workspace_id)
            .order_by(Membership.created_at, Membership.id)
        )
    )
    users = accounts.get_users(session, user_ids=[m.user_id for m in memberships])
    return [Member(m, users[m.user_id]) for m in memberships if m.user_id in users]


def change_role(
    session: Session,
    *,
    workspace_id: str,
    user_id: str,
    role: Role,
    actor: Principal,
    ip: str | None = None,
) -> tuple[Membership, Role]:
    """Set a member's role; returns the membership and its previous role. Only an owner may make
    or unmake an owner, and the last owner cannot be demoted."""
    membership = _member_or_raise(session, workspace_id=workspace_id, user_id=user_id)
    previous = Role(membership.role)
    if Role.owner in (previous, role) and actor.role is not Role.owner:
        raise PermissionDenied("only an owner may grant or remove the owner role")
    if previous is Role.owner and role is not Role.owner:
        _ensure_another_owner(session, workspace_id=workspace_id)
    membership.role = role
    session.flush()
    record_change(
        session,
        actor,
        ip,
        "member.role_changed",
        "user",
        user_id,
        **{"from": previous.value},
        to=role.value,
    )
    return membership, previous


def remove_member(
    session: Session, *, workspace_id: str, user_id: str, actor: Principal, ip: str | None = None
) -> Membership:
    membership = _member_or_raise(session, workspace_id=workspace_id, user_id=user_id)
    if membership.role == Role.owner:
        if actor.role is not Role.owner:
            raise PermissionDenied("only an owner may remove an owner")
        _ensure_another_owner(session, workspace_id=workspace_id)
    session.delete(membership)
    session.flush()
    record_change(session, actor, ip, "member.removed", "user", user_id, role=membership.role)
    return membership


def leave_workspace(session: Session, *, actor: Principal, ip: str | None = None) -> Membership:
    """A person leaves the workspace; the last owner must first hand over ownership."""
    if actor.user_id is None:
        raise PermissionDenied("only a signed-in person can leave a workspace")
    workspace_id, user_id = actor.workspace_id, actor.user_id
    membership = _member_or_raise(session, workspace_id=workspace_id, user_id=user_id)
    if membership.role == Role.owner:
        _ensure_another_owner(session, workspace_id=workspace_id)
    session.delete(membership)
    session.flush()
    record_change(session, actor, ip, "member.left", "user", user_id, role=membership.role)
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


def count_owners(session: Session, *, workspace_id: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.workspace_id == workspace_id, Membership.role == Role.owner)
        )
        or 0
    )


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    invitation: Invitation
    token: str


def create_invitation(
    session: Session,
    *,
    settings: Settings,
    mailer: Mailer,
    email: str,
    role: Role,
    actor: Principal,
    ip: str | None = None,
    valid_for: timedelta | None = None,
) -> IssuedInvitation:
    """A single-use invitation, mailed through the outbox, so only once the transaction commits
    (the link must work when it arrives); an earlier pending one for the same address is
    revoked."""
    workspace_id = actor.workspace_id
    workspace = get_workspace_or_raise(session, workspace_id=workspace_id)
    if role is Role.owner and actor.role is not Role.owner:
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
        token_hash=digest(token),
        invited_by=actor.user_id,
        expires_at=now + (valid_for or timedelta(days=settings.invitation_days)),
    )
    session.add(invitation)
    session.flush()
    record_change(
        session,
        actor,
        ip,
        "invitation.created",
        "invitation",
        invitation.id,
        email=invitation.email,
        role=role.value,
    )
    subject = f"You are invited to {workspace.name} on CustomerCareGPT"
    text = invitation_mail(settings, workspace=workspace.name, role=role, token=token)
    mailer.send(address, subject, text)  # the outbox delivers it once this commits
    return IssuedInvitation(invitation=invitation, token=token)


def invitation_mail(settings: Settings, *, workspace: str, role: str, token: str) -> str:
    link = f"{settings.public_url.rstrip('/')}/invitations/accept?token={token}"
    return (
        f"You have been invited to join the workspace {workspace!r} as {role}.\n\n"
        f"Sign in (or sign up with this address), then open:\n{link}\n\n"
        f'API clients: POST /api/v1/invitations/accept with {{"token": "{token}"}}.\n'
        f"The invitation works once and expires in {settings.invitation_days} days.\n"
    )


def list_invitations(session: Session, *, workspace_id: str) -> list[Invitation]:
    query = select(Invitation).where(Invitation.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(Invitation.created_at.desc(), Invitation.id)))


def revoke_invitation(
    session: Session, *, invitation_id: str, actor: Principal, ip: str | None = None
) -> Invitation:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.workspace_id != actor.workspace_id:
        raise NotFoundError(f"invitation {invitation_id} not found")
    if invitation.accepted_at is not None:
        raise ConflictError("this invitation was already accepted")
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        session.flush()
    record_change(session, actor, ip, "invitation.revoked", "invitation", invitation_id)
    return invitation


def accept_invitation(
    session: Session, *, token: str, user_id: str, email: str, ip: str | None = None
) -> tuple[Invitation, Membership]:
    """Join the invitation's workspace. The token works once, before it expires, and only for
    the person it was sent to; an existing member keeps their role."""
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == digest(token)))
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
    audit.record(
        session,
        action="invitation.accepted",
        workspace_id=invitation.workspace_id,
        actor_user_id=user_id,
        target_type="invitation",
        target_id=invitation.id,
        ip=ip,
        details={"role": membership.role},
    )
    return invitation, membership
