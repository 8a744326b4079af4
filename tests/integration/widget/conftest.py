"""A workspace with a publishable key and an allowed page, its frame token (from the real frame
page) and visitors: what the widget's own frame would hold."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from customercare.db.engine import transaction
from customercare.runtime import Runtime
from customercare.tenancy import service as tenancy

ORIGIN = "https://shop.example"
FACT = "Parcels to Iceland are delivered by Fjord Express within 6 business days."
SHIPPING = b"# Shipping guide\n\n## Iceland\n\n" + FACT.encode() + b"\n"
QUESTION = "How long does delivery to Iceland take?"
CONFIG = re.compile(r'<script id="ccgpt-config" type="application/json">(.*?)</script>', re.S)


@dataclass
class Site:
    workspace_id: str
    secret_key: str
    publishable_key: str
    client: TestClient

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret_key}"}

    def frame(self, origin: str = ORIGIN, **headers: str) -> Any:
        return self.client.get(
            "/widget/frame",
            params={"key": self.publishable_key, "origin": origin, "lang": "en"},
            headers={"Sec-Fetch-Dest": "iframe", **headers},
        )

    def frame_token(self) -> str:
        response = self.frame()
        assert response.status_code == 200, response.text
        match = CONFIG.search(response.text)
        assert match is not None
        token: str = json.loads(match.group(1))["token"]
        return token

    def visitor(self, token: str | None = None, **body: Any) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/widget/visitors", headers=self.bearer(token), json=body
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    def bearer(self, token: str | None = None, visitor: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token or self.frame_token()}"}
        if visitor is not None:
            headers["X-Visitor-Token"] = visitor
        return headers


def new_site(runtime: Runtime, client: TestClient, *, plan: str = "free") -> Site:
    with transaction(runtime.sessions) as session:
        workspace = tenancy.create_workspace(session, name="Widget shop", plan=plan)
        workspace.allowed_domains = [ORIGIN, "https://*.shop.example"]
        secret = tenancy.create_api_key(session, workspace_id=workspace.id, name="admin")
        publishable = tenancy.create_api_key(
            session, workspace_id=workspace.id, name="widget", publishable=True
        )
        return Site(workspace.id, secret.secret, publishable.secret, client)


@pytest.fixture
def make_site(runtime: Runtime, client: TestClient) -> Any:
    def factory(plan: str = "free") -> Site:
        return new_site(runtime, client, plan=plan)

    return factory


@pytest.fixture
def site(make_site: Any) -> Site:
    result: Site = make_site()
    return result
