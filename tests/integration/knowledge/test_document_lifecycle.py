"""Deduplication, atomic re-ingestion and complete deletion."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import func, select

from customercare.knowledge.models import ChunkRecord
from customercare.search.keyword.models import KeywordChunk, KeywordPosting


def test_identical_content_is_not_stored_twice(tenant: Any) -> None:
    first = tenant.ingest("a.md", b"# Plans\n\nThe Plus plan costs 25 a month.\n")
    response = tenant.upload("copy-of-a.md", b"# Plans\n\nThe Plus plan costs 25 a month.\n")
    assert response.status_code == 200
    body = response.json()
    assert body["deduplicated"] is True
    assert body["document"]["id"] == first["id"]
    listing = tenant.client.get("/api/v1/documents", headers=tenant.headers).json()
    assert listing["total"] == 1


def test_same_content_in_two_workspaces_is_two_documents(make_tenant: Any) -> None:
    a, b = make_tenant("A"), make_tenant("B")
    content = b"# Shared\n\nSame words in two workspaces.\n"
    assert a.ingest("s.md", content)["id"] != b.ingest("s.md", content)["id"]


def test_replacing_content_swaps_the_searchable_version(tenant: Any) -> None:
    document = tenant.ingest("fees.md", b"# Fees\n\nThe activation fee is 10 dollars.\n")
    response = tenant.client.put(
        f"/api/v1/documents/{document['id']}/content",
        headers=tenant.headers,
        files={"file": ("fees.md", b"# Fees\n\nThe activation fee was removed in 2026.\n")},
    )
    assert response.status_code == 202
    updated = tenant.wait_until_done(document["id"])
    assert updated["status"] == "ready"
    assert updated["version"] == document["version"] + 1
    assert updated["indexed_version"] == updated["version"]
    texts = [hit["text"] for hit in tenant.search("activation fee dollars")]
    assert any("removed in 2026" in text for text in texts)
    assert not any("10 dollars" in text for text in texts)


def test_invalid_replacement_changes_nothing(tenant: Any) -> None:
    document = tenant.ingest("keep.md", b"# Keep\n\nThe store opens at nine.\n")
    response = tenant.client.put(
        f"/api/v1/documents/{document['id']}/content",
        headers=tenant.headers,
        files={"file": ("keep.pdf", b"%PDF-1.4 broken")},
    )
    assert response.status_code == 422
    after = tenant.wait_until_done(document["id"])
    assert after["version"] == document["version"]
    assert after["status"] == "ready"
    assert "nine" in tenant.search("when does the store open")[0]["text"]


def test_replacing_with_another_documents_content_conflicts(tenant: Any) -> None:
    one = tenant.ingest("one.md", b"# One\n\nFirst text.\n")
    tenant.ingest("two.md", b"# Two\n\nSecond text.\n")
    response = tenant.client.put(
        f"/api/v1/documents/{one['id']}/content",
        headers=tenant.headers,
        files={"file": ("two.md", b"# Two\n\nSecond text.\n")},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_reingest_keeps_one_set_of_chunks(tenant: Any, runtime: Any) -> None:
    document = tenant.ingest("r.md", b"# R\n\nParagraph one.\n\nParagraph two.\n")
    response = tenant.client.post(
        f"/api/v1/documents/{document['id']}/reingest", headers=tenant.headers
    )
    assert response.status_code == 202
    done = tenant.wait_until_done(document["id"])
    assert done["version"] == document["version"] + 1
    with runtime.sessions() as session:
        versions = set(
            session.scalars(
                select(ChunkRecord.version).where(ChunkRecord.document_id == document["id"])
            )
        )
    assert versions == {done["version"]}
    # The old version's vectors go right after the swap commits (never searchable meanwhile:
    # candidates are checked against the indexed version), so the count converges.
    deadline = time.monotonic() + 15
    while runtime.vector_store.count(workspace_id=tenant.workspace_id) != done["chunk_count"]:
        assert time.monotonic() < deadline, "the old version's vectors were not removed"
        time.sleep(0.05)


def test_searches_during_reingest_see_one_whole_version(tenant: Any) -> None:
    old = "".join(f"## Old {i}\n\nLegacy roaming rule number {i}.\n\n" for i in range(8))
    new = "".join(f"## New {i}\n\nCurrent roaming rule number {i}.\n\n" for i in range(8))
    document = tenant.ingest("roaming.md", f"# Roaming\n\n{old}".encode())
    seen: list[set[str]] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            hits = tenant.search("roaming rule number", limit=20)
            seen.append({hit["chunk_id"].rsplit(":", 2)[1] for hit in hits})

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        tenant.client.put(
            f"/api/v1/documents/{document['id']}/content",
            headers=tenant.headers,
            files={"file": ("roaming.md", f"# Roaming\n\n{new}".encode())},
        )
        tenant.wait_until_done(document["id"])
    finally:
        stop.set()
        searcher.join()
    seen.append({hit["chunk_id"].rsplit(":", 2)[1] for hit in tenant.search("roaming rule number")})
    assert seen
    assert all(len(versions) == 1 for versions in seen), seen
    assert seen[-1] == {str(document["version"] + 1)}


def test_delete_removes_every_trace(tenant: Any, runtime: Any) -> None:
    document = tenant.ingest("gone.md", b"# Gone\n\nThe zebra tariff is retired.\n")
    assert tenant.search("zebra tariff")
    response = tenant.client.delete(f"/api/v1/documents/{document['id']}", headers=tenant.headers)
    assert response.status_code == 204
    assert tenant.search("zebra tariff") == []
    missing = tenant.client.get(f"/api/v1/documents/{document['id']}", headers=tenant.headers)
    assert missing.status_code == 404
    with runtime.sessions() as session:
        for table in (ChunkRecord, KeywordPosting, KeywordChunk):
            count = session.scalar(
                select(func.count()).select_from(table).where(table.document_id == document["id"])
            )
            assert count == 0, table.__tablename__
    assert runtime.vector_store.count(workspace_id=tenant.workspace_id) == 0
