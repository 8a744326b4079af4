"""Request-scoped dependencies. Who is calling, for which workspace, and whether they may do
what the route does, is decided here, once, and then passed explicitly to every service call.

Credentials: ``Authorization: Bearer <token>`` or ``X-API-Key: <key>``.
- A workspace API key (``ccgpt_...``) names its workspace; its scopes say what it may do. A
  publishable key (``ccgpt_pk_...``) may only chat, and only from the workspace's allowed
  domains (the request's ``Origin``).
- A user's access token (JWT) names the person; ``X-Workspace-Id`` names the workspace, where
  their membership's role says what they may do. Not a member: 404, as if it did not exist."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from customercare.db.engine import transaction
from customercare.errors import AuthenticationError, PermissionDenied
from customercare.limits import rate_limits
from customercare.runtime import Runtime
from customercare.settings import Settings
from customercare.tenancy import service as tenancy
from customercare.tenancy.permissions import Permission, Role, Scope, role_allows, scopes_allow


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_settings_from_runtime(runtime: RuntimeDep) -> Settings:
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(get_settings_from_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    with transaction(runtime.sessions) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller, resolved for one workspace."""

    workspace_id: str
    user_id: str | None = None
    api_key_id: str | None = None
    role: Role | None = None
    scopes: frozenset[Scope] = frozenset()
    publishable: bool = False

    def can(self, permission: Permission) -> bool:
        if self.role is not None:
            return role_allows(self.role, permission)
        return scopes_allow(self.scopes, permission)


def credential(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key") or None


def resolve_principal(
    runtime: Runtime,
    *,
    secret: str | None,
    workspace_header: str | None,
    origin: str | None,
) -> Principal:
    if not secret:
        raise AuthenticationError("credentials are required (Authorization: Bearer <key>)")
    with transaction(runtime.sessions) as session:
        if tenancy.looks_like_api_key(secret):
            key, workspace = tenancy.authenticate_api_key(session, secret=secret)
            principal = Principal(
                workspace_id=workspace.id,
                api_key_id=key.id,
                scopes=frozenset(Scope(s) for s in key.scopes if s in Scope.__members__.values()),
                publishable=key.kind == "publishable",
            )
            if principal.publishable and not tenancy.origin_allowed(workspace, origin):
                raise PermissionDenied(
                    "this widget key may only be used from the workspace's allowed domains",
                    details={"origin": origin},
                )
            return principal
        from customercare.accounts import service as accounts

        identity = accounts.authenticate(session, settings=runtime.settings, access_token=secret)
        if not workspace_header:
            raise AuthenticationError("a user token needs the X-Workspace-Id header")
        membership = tenancy.get_membership_or_raise(
            session, workspace_id=workspace_header, user_id=identity.user_id
        )
        return Principal(
            workspace_id=membership.workspace_id,
            user_id=identity.user_id,
            role=Role(membership.role),
        )


def authorize(permission: Permission) -> Callable[..., Principal]:
    """A dependency that resolves the caller and requires ``permission`` (403 otherwise)."""

    def dependency(request: Request, runtime: RuntimeDep) -> Principal:
        principal = resolve_principal(
            runtime,
            secret=credential(request),
            workspace_header=request.headers.get("x-workspace-id"),
            origin=request.headers.get("origin"),
        )
        rate_limits.enforce_principal(request, runtime, principal)
        if not principal.can(permission):
            raise PermissionDenied(
                f"this credential does not allow {permission.value}",
                details={"permission": permission.value},
            )
        request.state.principal = principal
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency


# One alias per permission a route can require: ``principal: ChatAccess``.
SearchAccess = Annotated[Principal, Depends(authorize(Permission.search))]
ChatAccess = Annotated[Principal, Depends(authorize(Permission.chat))]
DocumentsRead = Annotated[Principal, Depends(authorize(Permission.documents_read))]
DocumentsWrite = Annotated[Principal, Depends(authorize(Permission.documents_write))]
ConversationsRead = Annotated[Principal, Depends(authorize(Permission.conversations_read))]
ConversationsWrite = Annotated[Principal, Depends(authorize(Permission.conversations_write))]
WorkspaceRead = Annotated[Principal, Depends(authorize(Permission.workspace_read))]
WorkspaceWrite = Annotated[Principal, Depends(authorize(Permission.workspace_write))]
WorkspaceDelete = Annotated[Principal, Depends(authorize(Permission.workspace_delete))]
MembersRead = Annotated[Principal, Depends(authorize(Permission.members_read))]
MembersWrite = Annotated[Principal, Depends(authorize(Permission.members_write))]
ApiKeysManage = Annotated[Principal, Depends(authorize(Permission.api_keys_manage))]
AuditRead = Annotated[Principal, Depends(authorize(Permission.audit_read))]
