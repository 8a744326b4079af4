"""The one permission table, and the copy of it in docs/security.md, which must never drift."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from customercare.tenancy.permissions import (
    PUBLISHABLE_SCOPES,
    ROLE_PERMISSIONS,
    SCOPE_PERMISSIONS,
    Permission,
    Role,
    Scope,
    role_allows,
    scopes_allow,
)

DOC = Path(__file__).resolve().parents[3] / "docs" / "security.md"
START, END = "<!-- permissions:start -->", "<!-- permissions:end -->"
ROLES = (Role.viewer, Role.agent, Role.admin, Role.owner)


def permission_table() -> str:
    """The Markdown table of docs/security.md, generated from tenancy/permissions.py."""
    header = ["Permission", *(f"{role.value}" for role in ROLES)]
    header += [f"key: `{scope.value}`" for scope in Scope]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for permission in Permission:
        cells = [f"`{permission.value}`"]
        cells += ["yes" if permission in ROLE_PERMISSIONS[role] else "-" for role in ROLES]
        cells += ["yes" if permission in SCOPE_PERMISSIONS[scope] else "-" for scope in Scope]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_docs_table_matches_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert START in text, f"{DOC} lost its {START} marker"
    assert END in text, f"{DOC} lost its {END} marker"
    documented = text.split(START, 1)[1].split(END, 1)[0].strip()
    expected = permission_table()
    assert documented == expected, (
        "docs/security.md's permission table differs from tenancy/permissions.py; "
        f"replace the table between the markers with:\n\n{expected}\n"
    )


def test_roles_are_nested() -> None:
    for lower, higher in pairwise(ROLES):
        assert ROLE_PERMISSIONS[lower] < ROLE_PERMISSIONS[higher]


def test_every_permission_is_granted_to_an_owner() -> None:
    assert all(role_allows(Role.owner, permission) for permission in Permission)


def test_only_owners_delete_a_workspace_and_admins_read_the_audit_log() -> None:
    assert [r for r in ROLES if role_allows(r, Permission.workspace_delete)] == [Role.owner]
    assert [r for r in ROLES if role_allows(r, Permission.audit_read)] == [Role.admin, Role.owner]


def test_an_admin_key_is_an_admin_but_never_an_owner() -> None:
    assert SCOPE_PERMISSIONS[Scope.admin] == ROLE_PERMISSIONS[Role.admin]
    assert not scopes_allow(frozenset(Scope), Permission.workspace_delete)


def test_a_widget_key_may_only_chat() -> None:
    assert {Scope.chat} == PUBLISHABLE_SCOPES
    granted = set().union(*(SCOPE_PERMISSIONS[scope] for scope in PUBLISHABLE_SCOPES))
    assert granted == {Permission.chat}
