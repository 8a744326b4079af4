"""Workspaces, members, invitations, API keys and the audit log, over HTTP.

- ``/api/v1/workspaces`` (create) and ``/api/v1/invitations/accept`` need a signed-in person
  but no workspace yet; every other route acts on the caller's workspace (``deps.authorize``).
- Every change that matters for security is recorded in the audit log by the service, in the
  same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from customercare.deps import (
    ApiKeysManage,
    AuditRead,
    ClientIp,
    CurrentUser,
    MailerDep,
    MembersRead,
    MembersWrite,
    SessionDep,
    SettingsDep,
    WorkspaceRead,
    WorkspaceWrite,
)
from customercare.tenancy import service
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

router = APIRouter(prefix="/api/v1", tags=["workspace"])


# Workspaces ----------------------------------------------------------------------------------


@router.post("/workspaces", status_code=status.HTTP_201_CREATED)
def create_workspace(
    body: WorkspaceCreate, session: SessionDep, user: CurrentUser, ip: ClientIp
) -> WorkspacePublic:
    """Create a workspace; its creator becomes its owner."""
    workspace = service.create_workspace_for_user(
        session, name=body.name, user_id=user.user_id, ip=ip
    )
    return WorkspacePublic.model_validate(workspace)


@router.get("/workspace")
def get_workspace(session: SessionDep, workspace: WorkspaceRead) -> WorkspacePublic:
    current = service.get_workspace_or_raise(session, workspace_id=workspace.workspace_id)
    return WorkspacePublic.model_validate(current)


@router.patch("/workspace")
def update_workspace(
    body: WorkspaceUpdate, session: SessionDep, workspace: WorkspaceWrite, ip: ClientIp
) -> WorkspacePublic:
    """Fields left out stay as they are; ``"answer_threshold": null`` restores the default."""
    updated = service.update_workspace(
        session,
        workspace_id=workspace.workspace_id,
        changes=body.model_dump(exclude_unset=True),
        actor=workspace,
        ip=ip,
    )
    return WorkspacePublic.model_validate(updated)


# Members -------------------------------------------------------------------------------------


@router.get("/workspace/members")
def list_members(session: SessionDep, workspace: MembersRead) -> MemberList:
    members = service.list_members(session, workspace_id=workspace.workspace_id)
    return MemberList(items=[_member(member) for member in members])


@router.patch("/workspace/members/{user_id}")
def change_role(
    user_id: str, body: MemberUpdate, session: SessionDep, workspace: MembersWrite, ip: ClientIp
) -> MembershipPublic:
    membership, _ = service.change_role(
        session,
        workspace_id=workspace.workspace_id,
        user_id=user_id,
        role=body.role,
        actor=workspace,
        ip=ip,
    )
    return MembershipPublic.model_validate(membership)


@router.delete("/workspace/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(
    user_id: str, session: SessionDep, workspace: MembersWrite, ip: ClientIp
) -> Response:
    service.remove_member(
        session, workspace_id=workspace.workspace_id, user_id=user_id, actor=workspace, ip=ip
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/workspace/leave", status_code=status.HTTP_204_NO_CONTENT)
def leave_workspace(session: SessionDep, workspace: WorkspaceRead, ip: ClientIp) -> Response:
    """Leave the workspace (a person only); the last owner must first hand over ownership."""
    service.leave_workspace(session, actor=workspace, ip=ip)
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
    session: SessionDep,
    settings: SettingsDep,
    mailer: MailerDep,
    workspace: MembersWrite,
    ip: ClientIp,
) -> InvitationPublic:
    """Invite a person by email; the single-use link is mailed to them (never returned)."""
    issued = service.create_invitation(
        session,
        settings=settings,
        mailer=mailer,
        email=str(body.email),
        role=body.role,
        actor=workspace,
        ip=ip,
    )
    return InvitationPublic.model_validate(issued.invitation)


@router.get("/workspace/invitations")
def list_invitations(session: SessionDep, workspace: MembersWrite) -> InvitationList:
    rows = service.list_invitations(session, workspace_id=workspace.workspace_id)
    return InvitationList(items=[InvitationPublic.model_validate(row) for row in rows])


@router.delete("/workspace/invitations/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_invitation(
    invitation_id: str, session: SessionDep, workspace: MembersWrite, ip: ClientIp
) -> Response:
    service.revoke_invitation(session, invitation_id=invitation_id, actor=workspace, ip=ip)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/invitations/accept")
def accept_invitation(
    body: InvitationAccept, session: SessionDep, user: CurrentUser, ip: ClientIp
) -> MembershipPublic:
    """Join a workspace with the token from an invitation sent to the caller's address."""
    _, membership = service.accept_invitation(
        session, token=body.token, user_id=user.user_id, email=user.email, ip=ip
    )
    return MembershipPublic.model_validate(membership)


# API keys ------------------------------------------------------------------------------------


@router.post("/api-keys", status_code=status.HTTP_201_CREATED)
def create_api_key(
    body: ApiKeyCreate, session: SessionDep, workspace: ApiKeysManage, ip: ClientIp
) -> ApiKeyCreated:
    """A new key; its secret is in this response only."""
    issued = service.create_api_key(
        session,
        workspace_id=workspace.workspace_id,
        name=body.name,
        scopes=body.scopes,
        publishable=body.publishable,
        created_by=workspace.user_id,
        actor=workspace,
        ip=ip,
    )
    key = issued.key
    return ApiKeyCreated(**ApiKeyPublic.model_validate(key).model_dump(), secret=issued.secret)


@router.get("/api-keys")
def list_api_keys(session: SessionDep, workspace: ApiKeysManage) -> ApiKeyList:
    keys = service.list_api_keys(session, workspace_id=workspace.workspace_id)
    return ApiKeyList(items=[ApiKeyPublic.model_validate(key) for key in keys])


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_api_key(
    key_id: str, session: SessionDep, workspace: ApiKeysManage, ip: ClientIp
) -> Response:
    service.revoke_api_key(
        session, workspace_id=workspace.workspace_id, key_id=key_id, actor=workspace, ip=ip
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
    events = service.list_audit_events(
        session, workspace_id=workspace.workspace_id, limit=limit, before=before
    )
    return AuditEventList(items=[AuditEventPublic.model_validate(event) for event in events])
