"""Request-scoped dependencies. Who is calling, for which workspace, and whether they may do
what the route does, is decided here, once, and then passed explicitly to every service call.

Credentials: ``Authorization: Bearer <token>`` or ``X-API-Key: <key>``.
- A workspace API key (``ccgpt_...``) names its workspace; its scopes say what it may do. A
  publishable key (``ccgpt_pk_...``) may only chat, and only from the workspace's allowed
  domains (the request's ``Origin``).
- A widget frame token (``ccwf1_...``, ``widget.service``) acts as its publishable key, only
  from the API's own origin (the frame's) and only while its key and origin are still valid.
- A user's access token (JWT) names the person; ``X-Workspace-Id`` names the workspace, where
  their membership's role says what they may do. Not a member: 404, as if it did not exist.

The request's database session (``SessionDep``) commits when the route function returns,
before the response is sent: a client that sees a 2xx can rely on the change being visible
to its next request. Mail goes to an outbox in the same transaction and is delivered after
the response, so a slow mail server delays nothing and a crash loses no mail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from sqlalchemy.orm import Session

from customercare.accounts import service as accounts
from customercare.conversations import service as conversations
from customercare.db.engine import transaction
from customercare.errors import AuthenticationError, PermissionDenied
from customercare.http_edge.client_ip import client_ip
from customercare.limits import service as limits
from customercare.mail import Mailer, OutboxMailer, deliver
from customercare.runtime import Runtime
from customercare.settings import Settings
from customercare.tenancy import service as tenancy
from customercare.tenancy.service import Permission, Principal, Role, Scope
from customercare.widget import service as widget


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


# scope="function": the transaction ends (commit, or rollback on an error) when the route
# function returns, before the response is sent, not after it as FastAPI's default would.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ClientIp = Annotated[str | None, Depends(client_ip)]


def get_mailer(runtime: RuntimeDep, session: SessionDep, tasks: BackgroundTasks) -> Mailer:
    """Mail written to the outbox in the request's transaction, delivered after the response
    (so after the commit): a slow mail server delays nothing and tells an observer nothing,
    and a crash before delivery leaves the mail for the sweep (``mail.MailSweeper``)."""

    def deliver_after_response(mail_id: str) -> None:
        tasks.add_task(deliver, runtime.sessions, runtime.mailer, ids=[mail_id])

    return OutboxMailer(session, deliver_after_response)


MailerDep = Annotated[Mailer, Depends(get_mailer)]


def credential(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key") or None


def looks_like_access_token(secret: str) -> bool:
    """A JWT has three dot-separated parts; an API key (ours: ``ccgpt_...``) has none."""
    return secret.count(".") == 2


def same_origin(origin: str | None, host: str | None) -> bool:
    """Whether a request comes from a page of the API's own origin (``Origin``'s host and port
    are the ``Host`` header), or names no origin at all (same-origin GETs, non-browsers)."""
    if not origin:
        return True
    _, _, authority = origin.partition("://")
    return bool(host) and authority.rstrip("/").lower() == (host or "").lower()


def resolve_principal(
    runtime: Runtime,
    *,
    secret: str | None,
    workspace_header: str | None,
    origin: str | None,
    host: str | None = None,
) -> Principal:
    if not secret:
        raise AuthenticationError("credentials are required (Authorization: Bearer <key>)")
    with transaction(runtime.sessions) as session:
        if widget.looks_like_frame_token(secret):
            # The widget's frame (served by this API) calls from the API's own origin; the
            # token rechecks its key and its parent page's origin.
            if not same_origin(origin, host):
                raise PermissionDenied(
                    "a widget frame token is only accepted from the widget's frame",
                    details={"origin": origin},
                )
            grant = widget.authenticate_frame_token(session, runtime.settings, token=secret)
            return widget.frame_principal(grant)
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
        if not looks_like_access_token(secret):
            # Neither one of our keys nor a JWT: most likely a mistyped or truncated API key.
            raise AuthenticationError("invalid API key")
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
            host=request.headers.get("host"),
        )
        limits.enforce_principal(
            request, runtime.counters, runtime.settings, principal, ip=client_ip(request)
        )
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


def bearer_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current_identity(
    request: Request, session: SessionDep, settings: SettingsDep
) -> accounts.Identity:
    """A person's access token, without a workspace (401 when missing, invalid or signed out)."""
    token = bearer_token(request)
    if token is None:
        raise AuthenticationError("an access token is required (Authorization: Bearer <token>)")
    return accounts.authenticate(session, settings=settings, access_token=token)


@dataclass(frozen=True, slots=True)
class SignedInUser:
    user_id: str
    email: str


def signed_in_user(request: Request, session: SessionDep, settings: SettingsDep) -> SignedInUser:
    """A person's access token, without a workspace (API keys are refused)."""
    token = credential(request)
    if not token or tenancy.looks_like_api_key(token):
        raise AuthenticationError("a signed-in user's access token is required")
    identity = accounts.authenticate(session, settings=settings, access_token=token)
    user = accounts.get_user_or_raise(session, user_id=identity.user_id)
    return SignedInUser(user_id=user.id, email=user.email)


CurrentIdentity = Annotated[accounts.Identity, Depends(current_identity)]
CurrentUser = Annotated[SignedInUser, Depends(signed_in_user)]


def acting_agent(session: Session, principal: Principal) -> conversations.Agent:
    """Who replies in a live handoff: a member under their name, an API key as "Support"
    (no user). The API and the dashboard's inbox both ask here."""
    if principal.user_id is None:
        return conversations.Agent(user_id=None, name="")
    user = accounts.get_user_or_raise(session, user_id=principal.user_id)
    return conversations.Agent(user_id=user.id, name=user.name)
