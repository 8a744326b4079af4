"""Security headers on every response, HSTS only over HTTPS, and CORS limited to the configured
origins plus, for chat, the origins a workspace allows for its widget."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from customercare.app import create_app
from customercare.runtime import Runtime

DASHBOARD = "https://dashboard.example"
SHOP = "https://shop.example"
EVIL = "https://evil.example"


@pytest.fixture
def configured(runtime: Runtime) -> Iterator[TestClient]:
    """The app with CORS origins set and the proxy's X-Forwarded-Proto trusted."""
    settings = runtime.settings.model_copy(
        update={"cors_origins": [DASHBOARD], "trust_proxy_headers": True}
    )
    with TestClient(create_app(runtime=dataclasses.replace(runtime, settings=settings))) as client:
        yield client


def test_every_response_has_the_basic_headers(client: TestClient) -> None:
    for response in (
        client.get("/healthz"),
        client.get("/api/v1/documents"),  # a 401
        client.get("/no/such/page"),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in response.headers
        assert "Content-Security-Policy" not in response.headers  # JSON, not a page


def test_html_pages_get_a_content_security_policy(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in policy


def test_widget_endpoints_may_be_framed(tenant: Any) -> None:
    response = tenant.client.post(
        "/api/v1/chat", headers=tenant.headers, json={"message": "Hello?"}
    )
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_over_https(runtime: Runtime, client: TestClient, configured: TestClient) -> None:
    with TestClient(create_app(runtime=runtime), base_url="https://testserver") as secure:
        assert "max-age=" in secure.get("/healthz").headers["Strict-Transport-Security"]
    # A forwarded scheme counts only when the proxy is trusted.
    forwarded = {"X-Forwarded-Proto": "https"}
    assert "Strict-Transport-Security" not in client.get("/healthz", headers=forwarded).headers
    assert "Strict-Transport-Security" in configured.get("/healthz", headers=forwarded).headers


def preflight(client: TestClient, path: str, origin: str) -> Any:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_cors_allows_only_the_configured_origins(configured: TestClient, tenant: Any) -> None:
    allowed = preflight(configured, "/api/v1/documents", DASHBOARD)
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert "Authorization" in allowed.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    refused = preflight(configured, "/api/v1/documents", EVIL)
    assert refused.status_code == 400
    assert "Access-Control-Allow-Origin" not in refused.headers
    listing = configured.get("/api/v1/documents", headers={**tenant.headers, "Origin": DASHBOARD})
    assert listing.headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert "Origin" in listing.headers["Vary"]
    other = configured.get("/api/v1/documents", headers={**tenant.headers, "Origin": EVIL})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_chat_also_allows_the_workspaces_widget_domains(
    configured: TestClient, tenant: Any
) -> None:
    response = configured.patch(
        "/api/v1/workspace", headers=tenant.headers, json={"allowed_domains": [SHOP]}
    )
    assert response.status_code == 200
    widget = configured.post(
        "/api/v1/api-keys", headers=tenant.headers, json={"name": "widget", "publishable": True}
    ).json()["secret"]
    assert preflight(configured, "/api/v1/chat", SHOP).status_code == 204
    assert preflight(configured, "/api/v1/chat", EVIL).status_code == 400
    # Only chat: the widget's domain does not open the rest of the API.
    assert preflight(configured, "/api/v1/documents", SHOP).status_code == 400
    chat = configured.post(
        "/api/v1/chat",
        headers={"Authorization": f"Bearer {widget}", "Origin": SHOP},
        json={"message": "Hello?"},
    )
    assert chat.status_code == 200, chat.text
    assert chat.headers["Access-Control-Allow-Origin"] == SHOP
    hostile = configured.post(
        "/api/v1/chat",
        headers={"Authorization": f"Bearer {widget}", "Origin": EVIL},
        json={"message": "Hello?"},
    )
    assert hostile.status_code == 403
    assert "Access-Control-Allow-Origin" not in hostile.headers


def test_a_malformed_origin_is_never_reflected(configured: TestClient) -> None:
    for origin in ("null", "https://shop.example/path", "javascript:alert(1)"):
        response = preflight(configured, "/api/v1/chat", origin)
        assert response.status_code == 400
        assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_api_docs_load_their_assets_from_this_server(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    html = response.text
    assert "cdn.jsdelivr.net" not in html
    assert "fonts.googleapis.com" not in html
    policy = response.headers["Content-Security-Policy"]
    assert "https:" not in policy  # no other host may be loaded from
    assets = re.findall(r'(?:src|href)="(/docs/assets/[^"]+)"', html)
    assert assets
    for asset in assets:
        fetched = client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 1000, asset


def test_only_the_documentation_assets_are_served(client: TestClient) -> None:
    assert client.get("/docs/assets/core.py").status_code == 404
    assert client.get("/docs/assets/..%2F__init__.py").status_code == 404
