"""Plan quotas over HTTP: documents, storage and monthly customer messages are refused before
any work is done, with details that say which quota, its limit, what is used and when it
resets; the usage endpoint; plans come from a file that settings can replace."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from customercare.app import create_app
from customercare.conversations import service as conversations
from customercare.conversations.models import Message
from customercare.db.engine import transaction
from customercare.ids import utcnow
from customercare.knowledge.models import Document
from customercare.limits import plans, quotas
from customercare.runtime import Runtime
from customercare.tenancy import service as tenancy

PLANS = """
[plans.tiny]
documents = 2
storage_bytes = 100_000
messages_per_month = 2

[plans.small_storage]
documents = 10
storage_bytes = 100

[plans.unlimited]
"""
USAGE = "/api/v1/workspace/usage"


@dataclasses.dataclass
class QuotaTenant:
    workspace_id: str
    client: TestClient
    headers: dict[str, str]
    runtime: Runtime

    def upload(self, name: str, data: bytes) -> Any:
        return self.client.post(
            "/api/v1/documents", headers=self.headers, files={"file": (name, data)}
        )

    def chat(self, message: str) -> Any:
        return self.client.post("/api/v1/chat", headers=self.headers, json={"message": message})

    def document_count(self) -> int:
        with transaction(self.runtime.sessions) as session:
            count = session.scalar(
                select(func.count(Document.id)).where(Document.workspace_id == self.workspace_id)
            )
        return int(count or 0)

    def wait_until_settled(self, document_id: str) -> None:
        from customercare.knowledge import service

        service.wait_until_settled(
            self.runtime.sessions,
            workspace_id=self.workspace_id,
            document_ids=[document_id],
            timeout_seconds=60,
        )


@pytest.fixture
def plans_file(tmp_path: Path) -> Path:
    path = tmp_path / "plans.toml"
    path.write_text(PLANS, encoding="utf-8")
    return path


@pytest.fixture
def quota_runtime(runtime: Runtime, plans_file: Path) -> Runtime:
    settings = runtime.settings.model_copy(
        update={"quotas_enabled": True, "plans_file": plans_file}
    )
    return dataclasses.replace(runtime, settings=settings)


@pytest.fixture
def quota_client(quota_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=quota_runtime)) as client:
        yield client


@pytest.fixture
def make_quota_tenant(quota_runtime: Runtime, quota_client: TestClient) -> Any:
    def factory(plan: str) -> QuotaTenant:
        with transaction(quota_runtime.sessions) as session:
            workspace = tenancy.create_workspace(session, name=f"Quota {plan}")
            workspace.plan = plan
            issued = tenancy.create_api_key(session, workspace_id=workspace.id, name="quota")
        return QuotaTenant(
            workspace.id, quota_client, {"Authorization": f"Bearer {issued.secret}"}, quota_runtime
        )

    return factory


def assert_quota_exceeded(response: Any, *, quota: str, limit: int, used: int) -> dict[str, Any]:
    assert response.status_code == 429, response.text
    error = response.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert quota in error["message"]
    details: dict[str, Any] = error["details"]
    assert details["quota"] == quota
    assert details["limit"] == limit
    assert details["used"] == used
    if details["resets_at"] is None:
        # Waiting does not free documents or storage: no Retry-After to wait for.
        assert details["retry_after"] is None
        assert "Retry-After" not in response.headers
    else:
        assert int(response.headers["Retry-After"]) == details["retry_after"] > 0
    return details


def test_documents_quota_refuses_before_storing(make_quota_tenant: Any) -> None:
    tenant = make_quota_tenant("tiny")
    for index in range(2):
        response = tenant.upload(f"faq-{index}.txt", f"Question {index}: answer {index}.".encode())
        assert response.status_code == 202, response.text
        tenant.wait_until_settled(response.json()["document"]["id"])
    details = assert_quota_exceeded(
        tenant.upload("third.txt", b"A third document."), quota="documents", limit=2, used=2
    )
    assert details["resets_at"] is None
    assert tenant.document_count() == 2
    # Content the workspace already has adds nothing and is not refused.
    again = tenant.upload("faq-0.txt", b"Question 0: answer 0.")
    assert again.status_code == 200, again.text
    assert again.json()["deduplicated"] is True


def test_storage_quota_counts_the_new_file(make_quota_tenant: Any) -> None:
    tenant = make_quota_tenant("small_storage")
    first = tenant.upload("a.txt", b"x" * 40 + b" shipping takes three days.")
    assert first.status_code == 202, first.text
    tenant.wait_until_settled(first.json()["document"]["id"])
    response = tenant.upload("b.txt", b"y" * 60 + b" returns are free.")
    details = assert_quota_exceeded(response, quota="storage_bytes", limit=100, used=67)
    assert details["resets_at"] is None
    assert "storage_bytes" in response.json()["error"]["message"]
    assert tenant.document_count() == 1


def test_messages_quota_counts_customer_messages_of_this_month(
    make_quota_tenant: Any, quota_runtime: Runtime
) -> None:
    tenant = make_quota_tenant("tiny")
    start, next_month = quotas.month_bounds(utcnow())
    with transaction(quota_runtime.sessions) as session:
        # Last month's messages do not count.
        old = conversations.start_conversation(
            session, workspace_id=tenant.workspace_id, channel="api", visitor_id=None
        )
        for _ in range(3):
            message = conversations.add_user_message(session, conversation=old, content="old")
            message.created_at = start - timedelta(days=2)
    for question in ("Do you ship abroad?", "How do refunds work?"):
        response = tenant.chat(question)
        assert response.status_code == 200, response.text  # answers do not count either
    refused = tenant.chat("One more question?")
    details = assert_quota_exceeded(refused, quota="messages_per_month", limit=2, used=2)
    assert datetime.fromisoformat(details["resets_at"]) == next_month
    assert details["retry_after"] <= (next_month - utcnow()).total_seconds() + 1
    usage = tenant.client.get(USAGE, headers=tenant.headers).json()
    assert usage["usage"]["messages_per_month"] == 2


def test_messages_quota_at_the_start_of_a_month() -> None:
    start, following = quotas.month_bounds(datetime.fromisoformat("2024-12-31T23:59:59+00:00"))
    assert start.isoformat() == "2024-12-01T00:00:00+00:00"
    assert following.isoformat() == "2025-01-01T00:00:00+00:00"


def test_usage_endpoint(make_quota_tenant: Any) -> None:
    tenant = make_quota_tenant("tiny")
    response = tenant.upload("faq.txt", b"Shipping takes three days.")
    assert response.status_code == 202, response.text
    tenant.wait_until_settled(response.json()["document"]["id"])
    assert tenant.chat("How long is shipping?").status_code == 200
    body = tenant.client.get(USAGE, headers=tenant.headers).json()
    assert body["plan"] == "tiny"
    assert body["quotas_enforced"] is True
    assert body["limits"] == {"documents": 2, "storage_bytes": 100_000, "messages_per_month": 2}
    assert body["usage"] == {
        "documents": 1,
        "storage_bytes": len(b"Shipping takes three days."),
        "messages_per_month": 1,
    }
    start, following = quotas.month_bounds(utcnow())
    assert datetime.fromisoformat(body["period_start"]) == start
    assert datetime.fromisoformat(body["resets_at"]) == following


def test_unlimited_plan_and_default_plans(make_quota_tenant: Any, tenant: Any) -> None:
    unlimited = make_quota_tenant("unlimited")
    for index in range(3):
        assert unlimited.chat(f"Question number {index}?").status_code == 200
    body = unlimited.client.get(USAGE, headers=unlimited.headers).json()
    assert body["limits"] == {"documents": None, "storage_bytes": None, "messages_per_month": None}
    # The session's own app: the shipped plans file, a new workspace on "free", not enforced.
    shipped = tenant.client.get(USAGE, headers=tenant.headers).json()
    assert shipped["plan"] == "free"
    assert shipped["quotas_enforced"] is False
    assert shipped["limits"]["documents"] == 50


def test_shipped_plans_file() -> None:
    shipped = plans.load_plans(plans.DEFAULT_PLANS_FILE)
    assert {"free", "pro", "enterprise", "internal"} <= set(shipped)
    assert shipped["internal"].limits() == dict.fromkeys(plans.QUOTAS)
    for plan in (shipped["free"], shipped["pro"], shipped["enterprise"]):
        assert plan.documents is not None
        assert plan.storage_bytes is not None
    assert shipped["free"].messages_per_month is not None


def test_unknown_plan_is_a_clear_error(make_quota_tenant: Any, quota_runtime: Runtime) -> None:
    tenant = make_quota_tenant("gold")
    response = tenant.chat("Hello?")
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "unknown_plan"
    assert "'gold'" in error["message"]
    assert "tiny" in error["message"]
    with transaction(quota_runtime.sessions) as session:
        stored = session.scalar(
            select(func.count(Message.id)).where(Message.workspace_id == tenant.workspace_id)
        )
    assert stored == 0


def test_plans_file_is_validated_and_reloaded(tmp_path: Path, quota_runtime: Runtime) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[plans.free]\ndocuments = -1\n", encoding="utf-8")
    with pytest.raises(plans.PlansFileError, match="documents"):
        plans.load_plans(path)
    path.write_text("[plans.free]\nsorage_bytes = 5\n", encoding="utf-8")
    with pytest.raises(plans.PlansFileError, match="sorage_bytes"):
        plans.load_plans(path)
    path.write_text("not toml [", encoding="utf-8")
    with pytest.raises(plans.PlansFileError, match="TOML"):
        plans.load_plans(path)
    with pytest.raises(plans.PlansFileError):
        plans.load_plans(tmp_path / "missing.toml")
    path.write_text("[plans.free]\ndocuments = 1\n", encoding="utf-8")
    assert plans.load_plans(path)["free"].documents == 1
    path.write_text("[plans.free]\ndocuments = 7\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert plans.load_plans(path)["free"].documents == 7
