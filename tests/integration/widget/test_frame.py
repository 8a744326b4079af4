"""The frame page and its token: who may get one, what the page holds and allows, and how the
API treats the token (forged, expired, from another origin, key revoked)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from customercare.db.engine import transaction
from customercare.errors import NotFoundError
from customercare.runtime import Runtime
from customercare.tenancy import service as tenancy
from customercare.widget import service as widget
from customercare.widget.assets import read_asset
from tests.integration.widget.conftest import CONFIG, ORIGIN, Site

SETTINGS = "/api/v1/widget/settings"


def test_the_frame_page_carries_its_config_and_a_csp_for_its_parent_only(site: Site) -> None:
    response = site.frame(origin="https://a.shop.example")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
        "connect-src 'self'; frame-ancestors https://a.shop.example; base-uri 'none'; "
        "object-src 'none'"
    )
    assert response.headers["cache-control"] == "no-store"
    assert "x-frame-options" not in response.headers
    page = response.text
    assert '<script src="/widget/frame.js" defer></script>' in page
    assert '<link rel="stylesheet" href="/widget/frame.css">' in page
    # No inline script: the only <script> with content is the JSON configuration.
    assert page.count("<script") == 2
    match = CONFIG.search(page)
    assert match is not None
    config = json.loads(match.group(1))
    assert config["parent_origin"] == "https://a.shop.example"
    assert config["api"] == "http://testserver"
    assert config["version"] == 1
    assert config["lang"] == "en"
    assert config["settings"]["title"] == "Help"
    token = config["token"]
    assert token.count(".") == 1
    assert not tenancy.looks_like_api_key(token)


def test_config_json_cannot_close_its_script_element(site: Site) -> None:
    title = "</script><script>alert(1)</script>&"
    body = settings_body(title=title)
    assert site.client.put(SETTINGS, headers=site.admin, json=body).status_code == 200
    page = site.frame().text
    assert "</script><script>" not in page
    config = json.loads(CONFIG.search(page).group(1))  # type: ignore[union-attr]
    assert config["settings"]["title"] == title
    assert "\\u003c/script\\u003e" in page


def test_the_frame_is_refused_for_a_secret_key_an_unknown_origin_or_a_top_level_visit(
    site: Site,
) -> None:
    secret = site.client.get("/widget/frame", params={"key": site.secret_key, "origin": ORIGIN})
    other = site.frame(origin="https://evilshop.example")
    bare = site.frame(origin="https://shop.example.evil.example")
    top = site.frame(**{"Sec-Fetch-Dest": "document"})
    unknown = site.client.get(
        "/widget/frame", params={"key": "ccgpt_pk_nope_nope", "origin": ORIGIN}
    )
    for response in (secret, other, bare, top, unknown):
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("text/html")
        assert "ccgpt-config" not in response.text
        assert "ccwf1_" not in response.text


def test_a_frame_token_reads_the_settings_from_the_api_origin_only(site: Site) -> None:
    token = site.frame_token()
    same = site.client.get(SETTINGS, headers={"Authorization": f"Bearer {token}"})
    assert same.status_code == 200, same.text
    explicit = site.client.get(
        SETTINGS, headers={"Authorization": f"Bearer {token}", "Origin": "http://testserver"}
    )
    assert explicit.status_code == 200, explicit.text
    # The host page (or any other) cannot use a token it would have stolen from the frame.
    foreign = site.client.get(
        SETTINGS, headers={"Authorization": f"Bearer {token}", "Origin": ORIGIN}
    )
    assert foreign.status_code == 403, foreign.text


def test_forged_and_expired_tokens_are_refused(site: Site, runtime: Runtime) -> None:
    token = site.frame_token()
    payload, signature = token.removeprefix("ccwf1_").split(".")
    other_payload = (
        widget.issue_frame_token(runtime.settings, workspace_id="x", key_id="y", origin=ORIGIN)
        .removeprefix("ccwf1_")
        .split(".")[0]
    )
    expired = widget.issue_frame_token(
        runtime.settings,
        workspace_id=site.workspace_id,
        key_id=_publishable_key_id(runtime, site),
        origin=ORIGIN,
        lifetime=timedelta(seconds=-1),
    )
    for bad in (
        f"ccwf1_{other_payload}.{signature}",
        f"ccwf1_{payload}.{signature[:-2]}AA",
        f"ccwf1_{payload}",
        "ccwf1_..",
        expired,
    ):
        response = site.client.get(SETTINGS, headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401, (bad, response.text)


def test_a_revoked_key_or_a_removed_origin_ends_its_frame_tokens(
    site: Site, runtime: Runtime
) -> None:
    token = site.frame_token()
    headers = {"Authorization": f"Bearer {token}"}
    with transaction(runtime.sessions) as session:
        tenancy.get_workspace_or_raise(session, workspace_id=site.workspace_id).allowed_domains = [
            "https://other.example"
        ]
    assert site.client.get(SETTINGS, headers=headers).status_code == 403
    with transaction(runtime.sessions) as session:
        tenancy.get_workspace_or_raise(session, workspace_id=site.workspace_id).allowed_domains = [
            ORIGIN
        ]
        tenancy.revoke_api_key(
            session, workspace_id=site.workspace_id, key_id=_publishable_key_id(runtime, site)
        )
    assert site.client.get(SETTINGS, headers=headers).status_code == 401


def test_assets_are_served_with_type_etag_and_short_cache(site: Site) -> None:
    for path, kind in (
        ("/widget.js", "text/javascript"),
        ("/widget/frame.js", "text/javascript"),
        ("/widget/frame.css", "text/css"),
    ):
        response = site.client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith(kind)
        assert response.headers["cache-control"] == "public, max-age=300"
        etag = response.headers["etag"]
        again = site.client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
    missing = site.client.get("/widget/other.js")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_a_missing_asset_is_a_json_404(tmp_path: Any) -> None:
    with pytest.raises(NotFoundError):
        read_asset("frame.js", directory=tmp_path)


def _publishable_key_id(runtime: Runtime, site: Site) -> str:
    with transaction(runtime.sessions) as session:
        keys = tenancy.list_api_keys(session, workspace_id=site.workspace_id)
        return next(key.id for key in keys if key.kind == "publishable")


def settings_body(**changes: Any) -> dict[str, Any]:
    return {
        "title": "Help",
        "greeting": "Hello",
        "suggested_questions": ["Where is my order?"],
        "logo_url": None,
        "primary_color": "#112233",
        "text_color": "#FFFFFF",
        "position": "bottom-left",
        "launcher_text": "Ask us",
        "show_branding": True,
        "verified_visitors": False,
        **changes,
    }
