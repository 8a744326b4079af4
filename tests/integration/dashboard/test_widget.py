"""The Widget page: the workspace's settings, allowed domains, publishable keys and embed
snippet, through the widget and tenancy services; never another workspace's."""

from __future__ import annotations

import html
from typing import Any

from fastapi.testclient import TestClient

from customercare.db.engine import transaction
from customercare.runtime import Runtime
from customercare.tenancy import service as tenancy
from customercare.tenancy.service import Role
from tests.conftest import Tenant
from tests.integration.dashboard.conftest import sign_in_as
from tests.support.tenancy_people import make_member


def widget_workspace(runtime: Runtime, make_tenant: Any, name: str) -> tuple[Tenant, str]:
    tenant: Tenant = make_tenant(name)
    with transaction(runtime.sessions) as session:
        tenancy.update_workspace(
            session,
            workspace_id=tenant.workspace_id,
            changes={"allowed_domains": [f"https://{name.lower().replace(' ', '-')}.example"]},
        )
        issued = tenancy.create_api_key(
            session, workspace_id=tenant.workspace_id, name="site widget", publishable=True
        )
    return tenant, issued.secret


def test_the_widget_page_shows_settings_domains_and_the_snippet(
    browser: TestClient, runtime: Runtime, make_tenant: Any
) -> None:
    tenant, key = widget_workspace(runtime, make_tenant, "Widget shop")
    viewer = make_member(runtime, workspace_id=tenant.workspace_id, role=Role.viewer)
    sign_in_as(browser, viewer)
    page = browser.get("/app/widget")
    assert page.status_code == 200
    assert "https://widget-shop.example" in page.text
    assert "site widget" in page.text
    snippet = html.unescape(page.text.split('id="embed-snippet">')[1].split("</code>")[0])
    assert snippet.startswith('<script src="')
    assert f'data-key="{key[:12]}' in snippet
    assert "/widget.js" in page.text
    assert key not in page.text  # the full key is shown once, at creation, never again


def test_another_workspace_sees_its_own_widget_only(
    browser: TestClient, runtime: Runtime, make_tenant: Any
) -> None:
    tenant, _ = widget_workspace(runtime, make_tenant, "Widget owner")
    other, _ = widget_workspace(runtime, make_tenant, "Widget stranger")
    stranger = make_member(runtime, workspace_id=other.workspace_id, role=Role.owner)
    sign_in_as(browser, stranger)
    page = browser.get("/app/widget")
    assert "https://widget-stranger.example" in page.text
    assert "https://widget-owner.example" not in page.text
    browser.cookies.set("ccgpt_workspace", tenant.workspace_id)
    assert "https://widget-owner.example" not in browser.get("/app/widget").text


def test_signed_out_is_sent_to_sign_in(browser: TestClient) -> None:
    response = browser.get("/app/widget")
    assert response.status_code == 303
    assert response.headers["location"] == "/app/sign-in"
