"""Nothing of one workspace is visible to another, whatever the query or the id."""

from __future__ import annotations

from typing import Any

import pytest

SECRET = b"# Internal pricing\n\nThe wholesale discount for Globex is 37 percent.\n"


@pytest.mark.parametrize(
    "query",
    ["wholesale discount Globex", "37 percent", "Internal pricing", "discount", "the"],
)
def test_search_never_returns_another_workspaces_documents(make_tenant: Any, query: str) -> None:
    owner, other = make_tenant("Owner"), make_tenant("Other")
    owner.ingest("pricing.md", SECRET)
    other.ingest("public.md", b"# Public\n\nOur shop sells phones and discounts accessories.\n")
    for mode in ("hybrid", "bm25", "dense"):
        for hit in other.search(query, mode=mode, limit=100):
            assert "Globex" not in hit["text"]
            assert hit["citation"]["title"] != "Internal pricing"
    assert any("Globex" in hit["text"] for hit in owner.search("Globex discount"))


def test_search_filter_with_another_workspaces_document_id_finds_nothing(
    make_tenant: Any,
) -> None:
    owner, other = make_tenant(), make_tenant()
    document = owner.ingest("pricing.md", SECRET)
    assert other.search("Globex", document_id=document["id"]) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/documents/{id}"),
        ("delete", "/api/v1/documents/{id}"),
        ("post", "/api/v1/documents/{id}/reingest"),
    ],
)
def test_document_routes_answer_404_for_another_workspace(
    make_tenant: Any, method: str, path: str
) -> None:
    owner, other = make_tenant(), make_tenant()
    document = owner.ingest("pricing.md", SECRET)
    response = getattr(other.client, method)(path.format(id=document["id"]), headers=other.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert owner.wait_until_done(document["id"])["status"] == "ready"


def test_replace_content_of_another_workspaces_document_is_404(make_tenant: Any) -> None:
    owner, other = make_tenant(), make_tenant()
    document = owner.ingest("pricing.md", SECRET)
    response = other.client.put(
        f"/api/v1/documents/{document['id']}/content",
        headers=other.headers,
        files={"file": ("x.md", b"# Hijack\n\nReplaced.\n")},
    )
    assert response.status_code == 404
    assert any("Globex" in hit["text"] for hit in owner.search("Globex"))


def test_listing_shows_only_own_documents(make_tenant: Any) -> None:
    owner, other = make_tenant(), make_tenant()
    owner.ingest("pricing.md", SECRET)
    listing = other.client.get("/api/v1/documents", headers=other.headers).json()
    assert listing == {"items": [], "total": 0}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"X-API-Key": "ccgpt_0000_wrong"}],
)
def test_requests_without_a_valid_key_are_401(client: Any, headers: dict[str, str]) -> None:
    for method, path in (("get", "/api/v1/documents"), ("get", "/api/v1/search?q=x")):
        response = getattr(client, method)(path, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("secret", ["nope", "ccgpt_0000_wrong", "sk-pasted-from-elsewhere"])
def test_a_wrong_api_key_is_called_an_invalid_api_key(client: Any, secret: str) -> None:
    for headers in ({"Authorization": f"Bearer {secret}"}, {"X-API-Key": secret}):
        response = client.get("/api/v1/documents", headers=headers)
        assert response.status_code == 401
        message = response.json()["error"]["message"]
        assert "invalid" in message
        assert "API key" in message
        assert "access token" not in message


def test_x_api_key_header_is_accepted(tenant: Any) -> None:
    response = tenant.client.get("/api/v1/documents", headers={"X-API-Key": tenant.api_key})
    assert response.status_code == 200
