"""The Knowledge page over real ingestion and search: upload several files, watch them in the
list, test a question, re-index, delete with confirmation; tenants never see each other;
viewers read only; bad input is a page with the error, never a 500."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from customercare.runtime import Runtime
from customercare.tenancy.service import Role
from tests.conftest import Tenant
from tests.integration.dashboard.conftest import csrf_of, sign_in_as
from tests.support.tenancy_people import make_member

BATTERY = b"# Battery\n\nThe Lumen X2 battery lasts two days. Charge it with the USB-C cable.\n"
ROAMING = b"# Roaming\n\nRoaming in the EU is free on every Lumen plan, up to 20 GB a month.\n"


def test_upload_several_files_list_them_and_test_a_question(
    browser: TestClient, runtime: Runtime, make_tenant: Any
) -> None:
    tenant: Tenant = make_tenant("Knowledge A")
    admin = make_member(runtime, workspace_id=tenant.workspace_id, role=Role.admin)
    token = sign_in_as(browser, admin)
    response = browser.post(
        "/app/knowledge/upload",
        data={"csrf_token": token, "tags": "devices, help"},
        files=[
            ("files", ("battery.md", BATTERY, "text/markdown")),
            ("files", ("roaming.md", ROAMING, "text/markdown")),
        ],
    )
    assert response.status_code == 200, response.text
    assert "battery.md: queued" in response.text
    assert "roaming.md: queued" in response.text
    listed = tenant.client.get("/api/v1/documents", headers=tenant.headers).json()["items"]
    for item in listed:
        tenant.wait_until_done(item["id"])
    page = browser.get("/app/knowledge")
    assert page.status_code == 200
    assert page.text.count('class="status-ready"') == 2
    assert "devices, help" in page.text
    ready = browser.get("/app/knowledge?status=ready")
    assert "battery" in ready.text.lower()
    asked = browser.post(
        "/app/knowledge/test", data={"csrf_token": token, "question": "Is roaming free?"}
    )
    assert asked.status_code == 200
    assert "Ranked passages" in asked.text
    assert "Roaming in the EU is free" in asked.text


def test_reindex_and_delete_with_confirmation(
    browser: TestClient, runtime: Runtime, make_tenant: Any
) -> None:
    tenant: Tenant = make_tenant("Knowledge B")
    document = tenant.ingest("battery.md", BATTERY)
    admin = make_member(runtime, workspace_id=tenant.workspace_id, role=Role.owner)
    token = sign_in_as(browser, admin)
    detail = browser.get(f"/app/knowledge/{document['id']}")
    assert detail.status_code == 200
    assert "Re-index" in detail.text
    reindexed = browser.post(f"/app/knowledge/{document['id']}/reindex", data={"csrf_token": token})
    assert reindexed.status_code == 303
    assert tenant.wait_until_done(document["id"])["version"] == document["version"] + 1
    asked = browser.post(f"/app/knowledge/{document['id']}/delete", data={"csrf_token": token})
    assert asked.status_code == 200
    assert "cannot be undone" in asked.text
    api = f"/api/v1/documents/{document['id']}"
    assert tenant.client.get(api, headers=tenant.headers).status_code == 200
    deleted = browser.post(
        f"/app/knowledge/{document['id']}/delete", data={"csrf_token": token, "confirm": "yes"}
    )
    assert deleted.status_code == 303
    assert tenant.client.get(api, headers=tenant.headers).status_code == 404


def test_a_member_of_another_workspace_never_sees_the_documents(
    browser: TestClient, runtime: Runtime, make_tenant: Any
) -> None:
    owner_side: Tenant = make_tenant("Knowledge owner side")
    document = owner_side.ingest("roaming.md", ROAMING)
    other: Tenant = make_tenant("Knowledge other side")
    stranger = make_member(runtime, workspace_id=other.workspace_id, role=Role.owner)
    token = sign_in_as(browser, stranger)
    listing = browser.get("/app/knowledge")
    assert "roaming" not in listing.text.lower()
    url = f"/app/knowledge/{document['id']}"
    assert browser.get(url).status_code == 404
    for action in ("reindex", "delete"):
        refused = browser.post(f"{url}/{action}", data={"csrf_token": token, "confirm": "yes"})
        assert refused.status_code == 404, action
    asked = browser.post(
        "/app/knowledge/test", data={"csrf_token": token, "question": "Is roaming free?"}
    )
    assert "Roaming in the EU is free" not in asked.text
    # Naming the other workspace in the cookie does not help: not a member, not shown.
    browser.cookies.set("ccgpt_workspace", owner_side.workspace_id)
    assert browser.get(url).status_code == 404
    api = f"/api/v1/documents/{document['id']}"
    assert owner_side.client.get(api, headers=owner_side.headers).status_code == 200


def test_a_viewer_reads_but_cannot_change(
    browser: TestClient, runtime: Runtime, make_tenant: Any
) -> None:
    tenant: Tenant = make_tenant("Knowledge viewer")
    document = tenant.ingest("battery.md", BATTERY)
    viewer = make_member(runtime, workspace_id=tenant.workspace_id, role=Role.viewer)
    token = sign_in_as(browser, viewer)
    page = browser.get("/app/knowledge")
    assert page.status_code == 200
    assert "battery" in page.text.lower()
    assert "/app/knowledge/upload" not in page.text
    assert "Re-index" not in browser.get(f"/app/knowledge/{document['id']}").text
    upload = browser.post(
        "/app/knowledge/upload",
        data={"csrf_token": token},
        files=[("files", ("roaming.md", ROAMING, "text/markdown"))],
    )
    assert upload.status_code == 403
    deleted = browser.post(
        f"/app/knowledge/{document['id']}/delete", data={"csrf_token": token, "confirm": "yes"}
    )
    assert deleted.status_code == 403
    api = f"/api/v1/documents/{document['id']}"
    assert tenant.client.get(api, headers=tenant.headers).status_code == 200


def test_bad_input_is_a_page_with_the_error(
    browser: TestClient, runtime: Runtime, make_tenant: Any
) -> None:
    tenant: Tenant = make_tenant("Knowledge bad input")
    document = tenant.ingest("battery.md", BATTERY)
    admin = make_member(runtime, workspace_id=tenant.workspace_id, role=Role.admin)
    token = sign_in_as(browser, admin)
    no_csrf = browser.post(
        "/app/knowledge/upload", files=[("files", ("r.md", ROAMING, "text/markdown"))]
    )
    assert no_csrf.status_code == 403
    assert "did not come from this site" in no_csrf.text
    wrong_csrf = browser.post(
        f"/app/knowledge/{document['id']}/delete", data={"csrf_token": "0" * 64, "confirm": "yes"}
    )
    assert wrong_csrf.status_code == 403
    no_files = browser.post("/app/knowledge/upload", data={"csrf_token": token})
    assert no_files.status_code == 400
    assert "choose at least one file" in no_files.text
    unusable = browser.post(
        "/app/knowledge/upload",
        data={"csrf_token": token},
        files=[("files", ("tool.exe", b"MZ\x90\x00\x03binary", "application/octet-stream"))],
    )
    assert unusable.status_code == 400
    assert "tool.exe: refused" in unusable.text
    empty = browser.post("/app/knowledge/test", data={"csrf_token": token, "question": " "})
    assert empty.status_code == 400
    assert "ask a question" in empty.text
    assert browser.get("/app/knowledge?status=bogus").status_code == 400
    assert browser.get("/app/knowledge/no-such-document").status_code == 404
    assert csrf_of(browser.get("/app/knowledge")) == token
