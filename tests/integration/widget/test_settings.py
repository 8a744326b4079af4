"""Widget settings: who may read them (publishable key from an allowed origin, frame token,
members), who may change them (workspace_write, audited), validation, white label by plan,
and the identity secret (rotated, shown once, never read back)."""

from __future__ import annotations

from typing import Any

import pytest

from customercare.runtime import Runtime
from customercare.tenancy.permissions import Role
from tests.integration.widget.conftest import ORIGIN, Site
from tests.integration.widget.test_frame import settings_body
from tests.support.tenancy_people import make_member

SETTINGS = "/api/v1/widget/settings"


def pk(site: Site, origin: str | None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {site.publishable_key}"}
    if origin:
        headers["Origin"] = origin
    return headers


def test_defaults_for_a_publishable_key_from_allowed_origins_with_cors(site: Site) -> None:
    for origin in (ORIGIN, "https://a.shop.example", "https://x.y.shop.example"):
        response = site.client.get(SETTINGS, headers=pk(site, origin))
        assert response.status_code == 200, (origin, response.text)
        assert response.headers["access-control-allow-origin"] == origin
        body = response.json()
        assert body["title"] == "Help"
        assert body["show_branding"] is True
        assert "identity_secret" not in body
    preflight = site.client.options(
        SETTINGS,
        headers={"Origin": "https://a.shop.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://a.shop.example"


@pytest.mark.parametrize(
    "origin",
    [None, "https://evilshop.example", "http://shop.example", "https://shop.example:9443"],
)
def test_a_publishable_key_from_elsewhere_is_refused(site: Site, origin: str | None) -> None:
    response = site.client.get(SETTINGS, headers=pk(site, origin))
    assert response.status_code == 403, response.text
    assert "access-control-allow-origin" not in response.headers


def test_admins_replace_settings_and_the_change_is_audited(site: Site) -> None:
    body = settings_body(suggested_questions=["Where is my order?", "Returns?"])
    response = site.client.put(SETTINGS, headers=site.admin, json=body)
    assert response.status_code == 200, response.text
    assert response.json()["text_color"] == "#ffffff"
    read = site.client.get(SETTINGS, headers=pk(site, ORIGIN)).json()
    assert read["position"] == "bottom-left"
    assert read["suggested_questions"] == ["Where is my order?", "Returns?"]
    audit = site.client.get("/api/v1/audit-events", headers=site.admin)
    assert audit.status_code == 200, audit.text
    actions = [item["action"] for item in audit.json()["items"]]
    assert "widget.settings_updated" in actions


def test_who_may_read_and_write(site: Site, runtime: Runtime) -> None:
    viewer = make_member(runtime, workspace_id=site.workspace_id, role=Role.viewer)
    admin = make_member(runtime, workspace_id=site.workspace_id, role=Role.admin)
    headers = viewer.headers(site.workspace_id)
    assert site.client.get(SETTINGS, headers=headers).status_code == 200
    assert site.client.put(SETTINGS, headers=headers, json=settings_body()).status_code == 403
    assert (
        site.client.put(SETTINGS, headers=pk(site, ORIGIN), json=settings_body()).status_code == 403
    )
    ok = site.client.put(SETTINGS, headers=admin.headers(site.workspace_id), json=settings_body())
    assert ok.status_code == 200, ok.text


def test_settings_are_per_workspace(make_site: Any) -> None:
    first, second = make_site(), make_site()
    changed = settings_body(title="First shop")
    assert first.client.put(SETTINGS, headers=first.admin, json=changed).status_code == 200
    assert second.client.get(SETTINGS, headers=second.admin).json()["title"] == "Help"
    frame = {"Authorization": f"Bearer {second.frame_token()}"}
    assert second.client.get(SETTINGS, headers=frame).json()["title"] == "Help"
    # A member of the second workspace naming the first one is not a member there.
    assert first.client.put(SETTINGS, headers=second.admin, json=changed).json()["title"] == (
        "First shop"
    )
    assert first.client.get(SETTINGS, headers=first.admin).json()["title"] == "First shop"


@pytest.mark.parametrize(
    "change",
    [
        {"primary_color": "blue"},
        {"text_color": "#12345"},
        {"position": "top"},
        {"logo_url": "javascript:alert(1)"},
        {"logo_url": "ftp://x.example/a.png"},
        {"suggested_questions": ["q"] * 7},
        {"suggested_questions": ["x" * 121]},
        {"title": ""},
        {"launcher_text": "x" * 41},
        {"show_branding": "maybe"},
        {"identity_secret": "mine"},  # pragma: allowlist secret
    ],
)
def test_bad_settings_are_422(site: Site, change: dict[str, Any]) -> None:
    response = site.client.put(SETTINGS, headers=site.admin, json=settings_body(**change))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"


def test_white_label_needs_a_plan_that_includes_it(make_site: Any) -> None:
    free, pro = make_site("free"), make_site("pro")
    refused = free.client.put(SETTINGS, headers=free.admin, json=settings_body(show_branding=False))
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["details"]["feature"] == "white_label"
    assert "white label" in refused.json()["error"]["message"]
    allowed = pro.client.put(SETTINGS, headers=pro.admin, json=settings_body(show_branding=False))
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["show_branding"] is False


def test_identity_secret_is_shown_once_and_needed_for_verified_visitors(site: Site) -> None:
    refused = site.client.put(
        SETTINGS, headers=site.admin, json=settings_body(verified_visitors=True)
    )
    assert refused.status_code == 409, refused.text
    first = site.client.post("/api/v1/widget/identity-secret", headers=site.admin)
    assert first.status_code == 201, first.text
    secret = first.json()["identity_secret"]
    assert len(secret) == 64
    again = site.client.post("/api/v1/widget/identity-secret", headers=site.admin).json()
    assert again["identity_secret"] != secret
    on = site.client.put(SETTINGS, headers=site.admin, json=settings_body(verified_visitors=True))
    assert on.status_code == 200, on.text
    assert secret not in site.client.get(SETTINGS, headers=site.admin).text
    assert (
        site.client.post("/api/v1/widget/identity-secret", headers=pk(site, ORIGIN)).status_code
        == 403
    )


def test_a_logo_url_is_stored_and_read_back_as_given(site: Site) -> None:
    """Found by the live API fuzzing: a logo URL made the PUT answer 500 (a URL type that
    did not serialize back as text)."""
    logo = "https://cdn.shop.example/brand/logo.png"
    response = site.client.put(SETTINGS, headers=site.admin, json=settings_body(logo_url=logo))
    assert response.status_code == 200, response.text
    assert response.json()["logo_url"] == logo
    assert site.client.get(SETTINGS, headers=site.admin).json()["logo_url"] == logo
    bad = site.client.put(
        SETTINGS, headers=site.admin, json=settings_body(logo_url="javascript:alert(1)")
    )
    assert bad.status_code == 422
