"""Workspaces, members, invitations, API keys and the audit log, over HTTP.

- ``/api/v1/workspaces`` (create) and ``/api/v1/invitations/accept`` need a signed-in person
  but no workspace yet; every other route acts on the caller's workspace (``deps.authorize``).
- Every change that matters for security is recorded in the audit log, never with a secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

import structlog
from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response, status

from customercare.deps import (
    ApiKeysManage,
    AuditRead,
    MembersRead,
    MembersWrite,
    Principal,
    RuntimeDep,
    SessionDep,
    WorkspaceRead,
    WorkspaceWrite,
    credential,
)
from customercare.errors import AuthenticationError, PermissionDenied
from customercare.http_edge.client_ip import client_ip
from customercare.mail import Mailer, mailer_for
from customercare.settings import Settings
from customercare.tenancy import audit, service
from customercare.tenancy.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyPublic,
    AuditEventList,
    AuditEventPublic,
    InvitationAccept,
    InvitationCreate,
    InvitationList,
    InvitationPublic,
    MemberList,
    MemberPublic,
    MembershipPublic,
    MemberUpdate,
    WorkspaceCreate,
    WorkspacePublic,
    WorkspaceUpdate,
)

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/api/v1", tags=["workspace"])


@dataclass(frozen=True, slots=True)
class SignedInUser:
    user_id: str
    email: str


def signed_in_user(request: Request, runtime: RuntimeDep, session: SessionDep) -> SignedInUser:
    """A person's access token, without a workspace (API keys are refused)."""
    from customercare.accounts import service as accounts

    token = credential(request)
    if not token or service.looks_like_api_key(token):
        raise AuthenticationError("a signed-in user's access token is required")
    identity = accounts.authenticate(session, settings=runtime.settings, access_token=token)
    profile = accounts.get_profile(session, user_id=identity.user_id)
    return SignedInUser(user_id=profile.id, email=profile.email)


CurrentUser = Annotated[SignedInUser, Depends(signed_in_user)]


def _record(
    session: SessionDep,
    request: Request,
    principal: Principal,
    *,
    action: str,
    target_type: str | None = None,
    target_id: str | None = None,
    details: dict[str, object] | None = None,
) -> None:
    audit.record_by(
        session,
        principal,
        action=action,
        target_type=target_type,
        target_id=target_id,
        ip=client_ip(request),
        details=details,
    )


# Workspaces ----------------------------------------------------------------------------------


@router.post("/workspaces", status_code=status.HTTP_201_CREATED)
def create_workspace(
    body: WorkspaceCreate, request: Request, session: SessionDep, user: CurrentUser
) -> WorkspacePublic:
    """Create a workspace; its creator becomes its owner."""
    workspace = service.create_workspace_for_user(session, name=body.name, user_id=user.user_id)
    audit.record(
        session,
        action="workspace.created",
        workspace_id=workspace.id,
        actor_user_id=user.user_id,
        target_type="workspace",
        target_id=workspace.id,
        ip=client_ip(request),
        details={"name": workspace.name},
    )
    return WorkspacePublic.model_validate(workspace)


@router.get("/workspace")
def get_workspace(session: SessionDep, workspace: WorkspaceRead) -> WorkspacePublic:
    current = service.get_workspace_or_raise(session, workspace_id=workspace.workspace_id)
    return WorkspacePublic.model_validate(current)


@router.patch("/workspace")
def update_workspace(
    body: WorkspaceUpdate, request: Request, session: SessionDep, workspace: WorkspaceWrite
) -> WorkspacePublic:
    """Fields left out stay as they are; ``"answer_threshold": null`` restores the default."""
    changes = body.model_dump(exclude_unset=True)
    updated = service.update_workspace(
        session, workspace_id=workspace.workspace_id, changes=changes
    )
    _record(
        session,
        request,
        workspace,
        action="workspace.updated",
        target_type="workspace",
        target_id=updated.id,
        details={"changes": changes},
    )
    return WorkspacePublic.model_validate(updated)


# Members -------------------------------------------------------------------------------------


@router.get("/workspace/members")
def list_members(session: SessionDep, workspace: MembersRead) -> MemberList:
    members = service.list_members(session, workspace_id=workspace.workspace_id)
    return MemberList(items=[_member(member) for member in members])


@router.patch("/workspace/members/{user_id}")
def change_role(
    user_id: str,
    body: MemberUpdate,
    request: Request,
    session: SessionDep,
    workspace: MembersWrite,
) -> MembershipPublic:
    membership, previous = service.change_role(
        session,
        workspace_id=workspace.workspace_id,
        user_id=user_id,
        role=body.role,
        actor_role=workspace.role,
    )
    _record(
        session,
        request,
        workspace,
        action="member.role_changed",
        target_type="user",
        target_id=user_id,
        details={"from": previous.value, "to": body.role.value},
    )
    return MembershipPublic.model_validate(membership)


@router.delete("/workspace/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(
    user_id: str, request: Request, session: SessionDep, workspace: MembersWrite
) -> Response:
    removed = service.remove_member(
        session, workspace_id=workspace.workspace_id, user_id=user_id, actor_role=workspace.role
    )
    _record(
        session,
        request,
        workspace,
        action="member.removed",
        target_type="user",
        target_id=user_id,
        details={"role": removed.role},
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/workspace/leave", status_code=status.HTTP_204_NO_CONTENT)
def leave_workspace(request: Request, session: SessionDep, workspace: WorkspaceRead) -> Response:
    """Leave the workspace (a person only); the last owner must first hand over ownership."""
    if workspace.user_id is None:
        raise PermissionDenied("only a signed-in person can leave a workspace")
    left = service.leave_workspace(
        session, workspace_id=workspace.workspace_id, user_id=workspace.user_id
    )
    _record(
        session,
        request,
        workspace,
        action="member.left",
        target_type="user",
        target_id=workspace.user_id,
        details={"role": left.role},
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _member(member: service.Member) -> MemberPublic:
    return MemberPublic(
        user_id=member.user.id,
        email=member.user.email,
        name=member.user.name,
        role=member.membership.role,
        joined_at=member.membership.created_at,
    )


# Invitations ---------------------------------------------------------------------------------


@router.post("/workspace/invitations", status_code=status.HTTP_201_CREATED)
def invite(
    body: InvitationCreate,
    request: Request,
    tasks: BackgroundTasks,
    runtime: RuntimeDep,
    session: SessionDep,
    workspace: MembersWrite,
) -> InvitationPublic:
    """Invite a person by email; the single-use link is mailed to them (never returned)."""
    settings = runtime.settings
    issued = service.create_invitation(
        session,
        workspace_id=workspace.workspace_id,
        email=str(body.email),
        role=body.role,
        invited_by=workspace.user_id,
        actor_role=workspace.role,
        valid_for=timedelta(days=settings.invitation_days),
    )
    invitation = issued.invitation
    _record(
        session,
        request,
        workspace,
        action="invitation.created",
        target_type="invitation",
        target_id=invitation.id,
        details={"email": invitation.email, "role": body.role.value},
    )
    name = service.get_workspace_or_raise(session, workspace_id=workspace.workspace_id).name
    # After the response, so the transaction has committed before the link can be used.
    tasks.add_task(
        _send_invitation,
        mailer_for(runtime),
        to=invitation.email,
        subject=f"You are invited to {name} on CustomerCareGPT",
        text=invitation_mail(settings, workspace=name, role=body.role, token=issued.token),
    )
    return InvitationPublic.model_validate(invitation)


def invitation_mail(settings: Settings, *, workspace: str, role: str, token: str) -> str:
    link = f"{settings.public_url.rstrip('/')}/invitations/accept?token={token}"
    return (
        f"You have been invited to join the workspace {workspace!r} as {role}.\n\n"
        f"Sign in (or sign up with this address), then open:\n{link}\n\n"
        f'API clients: POST /api/v1/invitations/accept with {{"token": "{token}"}}.\n'
        f"The invitation works once and expires in {settings.invitation_days} days.\n"
    )


def _send_invitation(mailer: Mailer, *, to: str, subject: str, text: str) -> None:
    try:
        mailer.send(to, subject, text)
    except Exception as error:  # the body holds the token: log only what failed
        log.warning("invitation.mail_failed", error=type(error).__name__)


@router.get("/workspace/invitations")
def list_invitations(session: SessionDep, workspace: MembersWrite) -> InvitationList:
    rows = service.list_invitations(session, workspace_id=workspace.workspace_id)
    return InvitationList(items=[InvitationPublic.model_validate(row) for row in rows])


@router.delete("/workspace/invitations/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_invitation(
    invitation_id: str, request: Request, session: SessionDep, workspace: MembersWrite
) -> Response:
    service.revoke_invitation(
        session, workspace_id=workspace.workspace_id, invitation_id=invitation_id
    )
    _record(
        session,
        request,
        workspace,
        action="invitation.revoked",
        target_type="invitation",
        target_id=invitation_id,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/invitations/accept")
def accept_invitation(
    body: InvitationAccept, request: Request, session: SessionDep, user: CurrentUser
) -> MembershipPublic:
    """Join a workspace with the token from an invitation sent to the caller's address."""
    invitation, membership = service.accept_invitation(
        session, token=body.token, user_id=user.user_id, email=user.email
    )
    audit.record(
        session,
        action="invitation.accepted",
        workspace_id=invitation.workspace_id,
        actor_user_id=user.user_id,
        target_type="invitation",
        target_id=invitation.id,
        ip=client_ip(request),
        details={"role": membership.role},
    )
    return MembershipPublic.model_validate(membership)


# API keys ------------------------------------------------------------------------------------


@router.post("/api-keys", status_code=status.HTTP_201_CREATED)
def create_api_key(
    body: ApiKeyCreate, request: Request, session: SessionDep, workspace: ApiKeysManage
) -> ApiKeyCreated:
    """A new key; its secret is in this response only."""
    issued = service.create_api_key(
        session,
        workspace_id=workspace.workspace_id,
        name=body.name,
        scopes=body.scopes,
        publishable=body.publishable,
        created_by=workspace.user_id,
    )
    key = issued.key
    _record(
        session,
        request,
        workspace,
        action="api_key.created",
        target_type="api_key",
        target_id=key.id,
        details={"name": key.name, "prefix": key.prefix, "kind": key.kind, "scopes": key.scopes},
    )
    return ApiKeyCreated(**ApiKeyPublic.model_validate(key).model_dump(), secret=issued.secret)


@router.get("/api-keys")
def list_api_keys(session: SessionDep, workspace: ApiKeysManage) -> ApiKeyList:
    keys = service.list_api_keys(session, workspace_id=workspace.workspace_id)
    return ApiKeyList(items=[ApiKeyPublic.model_validate(key) for key in keys])


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_api_key(
    key_id: str, request: Request, session: SessionDep, workspace: ApiKeysManage
) -> Response:
    key = service.revoke_api_key(session, workspace_id=workspace.workspace_id, key_id=key_id)
    _record(
        session,
        request,
        workspace,
        action="api_key.revoked",
        target_type="api_key",
        target_id=key.id,
        details={"name": key.name, "prefix": key.prefix},
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Audit log -----------------------------------------------------------------------------------


@router.get("/audit-events")
def list_audit_events(
    session: SessionDep,
    workspace: AuditRead,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: datetime | None = None,
) -> AuditEventList:
    """Newest first; pass the last event's ``created_at`` as ``before`` for the next page."""
    events = audit.list_events(
        session, workspace_id=workspace.workspace_id, limit=limit, before=before
    )
    return AuditEventList(items=[AuditEventPublic.model_validate(event) for event in events])
