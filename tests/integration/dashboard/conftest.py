"""A browser for the dashboard: its own TestClient (own cookie jar) on the session's runtime,
signed in with a person's real access token in the dashboard's cookie."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from customercare.app import create_app
from customercare.dashboard.session import ACCESS_COOKIE, WORKSPACE_COOKIE
from customercare.runtime import Runtime
from tests.support.tenancy_people import Person

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(response: httpx.Response) -> str:
    found = CSRF.search(response.text)
    assert found is not None, response.text
    return found.group(1)


@pytest.fixture
def browser(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime), follow_redirects=False) as client:
        yield client


def sign_in_as(client: TestClient, person: Person, workspace_id: str | None = None) -> str:
    """Put the person's token in the cookie jar; the CSRF token of their session."""
    client.cookies.set(ACCESS_COOKIE, person.token)
    if workspace_id is not None:
        client.cookies.set(WORKSPACE_COOKIE, workspace_id)
    response = client.get("/app")
    assert response.status_code == 200, response.text
    return csrf_of(response)
