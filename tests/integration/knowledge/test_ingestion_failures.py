"""Unusable content: a clear 4xx with a machine-readable body, recorded as failed, nothing lost."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.factories import PNG_BYTES, encrypted_pdf_bytes, pdf_bytes


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("broken.pdf", pdf_bytes(["Some text here."])[:200], 422, "corrupt_file"),
        ("locked.pdf", encrypted_pdf_bytes("Secret plan details."), 422, "encrypted_file"),
        ("empty.txt", b"   \n\n  ", 422, "empty_document"),
        ("image.png", PNG_BYTES, 415, "unsupported_file_type"),
        ("random.bin", bytes(range(256)) * 8, 415, "unsupported_file_type"),
    ],
)
def test_bad_files_fail_with_reason(
    tenant: Any, name: str, data: bytes, status: int, code: str
) -> None:
    response = tenant.upload(name, data)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    document_id = error["details"]["document_id"]
    document = tenant.wait_until_done(document_id)
    assert document["status"] == "failed"
    assert document["failure_code"] == code
    assert document["failure_reason"] == error["message"]
    assert document["chunk_count"] == 0


def test_too_large_file_is_refused_before_anything_is_stored(tenant: Any, runtime: Any) -> None:
    limit = runtime.settings.max_upload_bytes
    response = tenant.upload("huge.txt", b"a" * (limit + 1))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    listing = tenant.client.get("/api/v1/documents", headers=tenant.headers).json()
    assert listing["total"] == 0


def test_too_many_pages(tenant: Any, runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime.settings, "max_pages", 2)
    response = tenant.upload("long.pdf", pdf_bytes(["one", "two", "three"]))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_many_pages"


def test_missing_file_field_is_a_validation_error(tenant: Any) -> None:
    response = tenant.client.post("/api/v1/documents", headers=tenant.headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_failed_upload_keeps_other_documents_searchable(tenant: Any) -> None:
    tenant.ingest("ok.md", b"# Fees\n\nLate payment fee is 5 euros.\n")
    tenant.upload("broken.pdf", b"%PDF-1.7 garbage")
    hits = tenant.search("late payment fee")
    assert hits
    assert "5 euros" in hits[0]["text"]
