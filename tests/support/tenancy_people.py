"""People for tests: a user with a live sign-in session (no password hashing, no HTTP), and
memberships. Tokens are real access tokens, checked by the same code as in production."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from customercare.accounts import refresh_tokens
from customercare.accounts.models import User
from customercare.accounts.tokens import issue_access_token
from customercare.db.engine import transaction
from customercare.runtime import Runtime
from customercare.tenancy.models import Membership
from customercare.tenancy.permissions import Role


@dataclass(frozen=True)
class Person:
    user_id: str
    email: str
    token: str

    def headers(self, workspace_id: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if workspace_id is not None:
            headers["X-Workspace-Id"] = workspace_id
        return headers


def make_person(runtime: Runtime, *, email: str | None = None) -> Person:
    address = email or f"person-{uuid.uuid4().hex[:12]}@example.com"
    with transaction(runtime.sessions) as session:
        user = User(email=address.lower(), name="Test person", password_hash="!unusable")
        session.add(user)
        session.flush()
        issued = refresh_tokens.issue(session, user_id=user.id, lifetime=timedelta(days=1))
        user_id = user.id
    token = issue_access_token(runtime.settings, user_id=user_id, session_id=issued.family_id)
    return Person(user_id=user_id, email=address.lower(), token=token)


def add_member(runtime: Runtime, *, workspace_id: str, user_id: str, role: Role) -> None:
    with transaction(runtime.sessions) as session:
        session.add(Membership(workspace_id=workspace_id, user_id=user_id, role=role))


def make_member(runtime: Runtime, *, workspace_id: str, role: Role) -> Person:
    person = make_person(runtime)
    add_member(runtime, workspace_id=workspace_id, user_id=person.user_id, role=role)
    return person
