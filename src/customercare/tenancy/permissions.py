"""Who may do what, in one table. Roles belong to people (memberships); scopes belong to API
keys. Every route names the one permission it needs and ``deps.authorize`` checks it here."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    owner = "owner"
    admin = "admin"
    agent = "agent"
    viewer = "viewer"


class Permission(StrEnum):
    chat = "chat"
    search = "search"
    documents_read = "documents:read"
    documents_write = "documents:write"
    conversations_read = "conversations:read"
    conversations_write = "conversations:write"
    workspace_read = "workspace:read"
    workspace_write = "workspace:write"
    members_read = "members:read"
    members_write = "members:write"
    api_keys_manage = "api_keys:manage"  # pragma: allowlist secret
    audit_read = "audit:read"
    workspace_delete = "workspace:delete"


_EVERYONE = frozenset(
    {
        Permission.search,
        Permission.documents_read,
        Permission.conversations_read,
        Permission.workspace_read,
        Permission.members_read,
    }
)
_AGENT = _EVERYONE | {Permission.chat, Permission.conversations_write}
_ADMIN = _AGENT | {
    Permission.documents_write,
    Permission.workspace_write,
    Permission.members_write,
    Permission.api_keys_manage,
    Permission.audit_read,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.viewer: _EVERYONE,
    Role.agent: _AGENT,
    Role.admin: _ADMIN,
    Role.owner: _ADMIN | {Permission.workspace_delete},
}


class Scope(StrEnum):
    """What an API key may do. ``admin`` is everything a workspace admin may do."""

    chat = "chat"
    search = "search"
    documents_read = "documents:read"
    documents_write = "documents:write"
    conversations_read = "conversations:read"
    conversations_write = "conversations:write"
    admin = "admin"


SCOPE_PERMISSIONS: dict[Scope, frozenset[Permission]] = {
    Scope.chat: frozenset({Permission.chat}),
    Scope.search: frozenset({Permission.search}),
    Scope.documents_read: frozenset({Permission.documents_read}),
    Scope.documents_write: frozenset({Permission.documents_read, Permission.documents_write}),
    Scope.conversations_read: frozenset({Permission.conversations_read}),
    Scope.conversations_write: frozenset(
        {Permission.conversations_read, Permission.conversations_write}
    ),
    Scope.admin: ROLE_PERMISSIONS[Role.admin],
}

# A publishable (widget) key is safe to put in a web page: it may only chat.
PUBLISHABLE_SCOPES = frozenset({Scope.chat})


def role_allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def scopes_allow(scopes: frozenset[Scope], permission: Permission) -> bool:
    return any(permission in SCOPE_PERMISSIONS[scope] for scope in scopes)
