"""Tenancy's public face: workspaces, their members, invitations and API keys, the audit
log they write, and the ``Principal`` a request acts as. Every change that matters for
security writes its audit entry in the caller's transaction (``changes.record_change``)."""

from __future__ import annotations

from customercare.audit import service as audit
from customercare.audit.service import Actor
from customercare.tenancy.api_keys import (
    IssuedApiKey,
    authenticate_api_key,
    create_api_key,
    list_api_keys,
    looks_like_api_key,
    revoke_api_key,
)
from customercare.tenancy.members import (
    IssuedInvitation,
    Member,
    accept_invitation,
    change_role,
    count_owners,
    create_invitation,
    get_membership_or_raise,
    invitation_mail,
    leave_workspace,
    list_invitations,
    list_members,
    list_memberships_for_user,
    remove_member,
    revoke_invitation,
)
from customercare.tenancy.models import ApiKey, Invitation, Membership, Workspace
from customercare.tenancy.permissions import Permission, Role, Scope
from customercare.tenancy.principal import Principal
from customercare.tenancy.schemas import normalise_origin
from customercare.tenancy.workspaces import (
    create_workspace,
    create_workspace_for_user,
    delete_workspace,
    get_workspace_by_name,
    get_workspace_or_raise,
    list_workspaces,
    lock_workspace,
    origin_allowed,
    plan_of,
    update_workspace,
    widget_origin_allowed,
)

__all__ = [
    "Actor",
    "ApiKey",
    "Invitation",
    "IssuedApiKey",
    "IssuedInvitation",
    "Member",
    "Membership",
    "Permission",
    "Principal",
    "Role",
    "Scope",
    "Workspace",
    "accept_invitation",
    "authenticate_api_key",
    "change_role",
    "count_owners",
    "create_api_key",
    "create_invitation",
    "create_workspace",
    "create_workspace_for_user",
    "delete_workspace",
    "get_membership_or_raise",
    "get_workspace_by_name",
    "get_workspace_or_raise",
    "invitation_mail",
    "leave_workspace",
    "list_api_keys",
    "list_audit_events",
    "list_invitations",
    "list_members",
    "list_memberships_for_user",
    "list_workspaces",
    "lock_workspace",
    "looks_like_api_key",
    "normalise_origin",
    "origin_allowed",
    "plan_of",
    "record_audit",
    "remove_member",
    "revoke_api_key",
    "revoke_invitation",
    "update_workspace",
    "widget_origin_allowed",
]

record_audit = audit.record_by
list_audit_events = audit.list_events
