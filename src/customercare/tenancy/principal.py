"""Who is calling, resolved for one workspace: a person (their role) or an API key (its
scopes). Resolved once at the request edge (``deps.authorize``) and passed to services."""

from __future__ import annotations

from dataclasses import dataclass

from customercare.tenancy.permissions import Permission, Role, Scope, role_allows, scopes_allow

__all__ = ["Principal"]


@dataclass(frozen=True, slots=True)
class Principal:
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
