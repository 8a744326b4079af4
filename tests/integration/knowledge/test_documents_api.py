"""Uploading each source type through the API, and finding it again by search."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.factories import docx_bytes, faq_csv_bytes, pdf_bytes


def test_markdown_is_ingested_with_section_headings(tenant: Any) -> None:
    markdown = (
        b"# Returns policy\n\n## Phones\n\nPhones can be returned within 30 days of delivery.\n\n"
        b"## Accessories\n\nChargers and cases can be returned within 14 days.\n"
    )
    document = tenant.ingest("returns.md", markdown)
    assert document["status"] == "ready"
    assert document["content_type"] == "markdown"
    assert document["title"] == "Returns policy"
    assert document["chunk_count"] >= 2
    hits = tenant.search("how long to return a charger")
    assert hits[0]["citation"]["section"] == "Accessories"
    assert "14 days" in hits[0]["text"]
    assert hits[0]["citation"]["document_id"] == document["id"]


def test_pdf_pages_are_cited(tenant: Any) -> None:
    data = pdf_bytes(
        ["Welcome to the handbook of Lumen.", "Roaming in Canada costs 5 dollars per day."],
        title="Travel handbook",
    )
    document = tenant.ingest("handbook.pdf", data)
    assert document["status"] == "ready"
    assert document["page_count"] == 2
    hit = tenant.search("roaming Canada price per day")[0]
    assert hit["citation"]["page"] == 2
    assert hit["citation"]["title"] == "Travel handbook"


def test_docx_headings_become_sections(tenant: Any) -> None:
    data = docx_bytes(
        {
            "Voicemail": "Dial 121 and follow the prompts to set a voicemail greeting.",
            "Data": "Mobile data can be switched off in Settings.",
        },
        title="Phone setup",
    )
    document = tenant.ingest("setup.docx", data)
    assert document["content_type"] == "docx"
    hit = tenant.search("set up voicemail greeting")[0]
    assert hit["citation"]["section"] == "Voicemail"


def test_each_faq_row_is_retrievable_on_its_own(tenant: Any) -> None:
    rows = [
        ("How do I reset my password?", "Use the Forgot password link on the sign-in page."),
        ("Can I pay with PayPal?", "Yes, PayPal and all major credit cards are accepted."),
        ("Where is my parcel?", "Track it with the link in your shipping confirmation email."),
    ]
    document = tenant.ingest("faq.csv", faq_csv_bytes(rows))
    assert document["content_type"] == "csv"
    assert document["chunk_count"] == 3
    for question, answer in rows:
        hit = tenant.search(question)[0]
        assert answer in hit["text"]
        assert hit["citation"]["section"] == question


def test_html_navigation_is_dropped(tenant: Any) -> None:
    html = (
        b"<!doctype html><html><head><title>Shipping</title></head><body>"
        b"<nav>Home | Shop | Login</nav><main><h1>Shipping</h1><h2>Express</h2>"
        b"<p>Express delivery arrives next business day for orders before 2 pm.</p></main>"
        b"<footer>Copyright</footer></body></html>"
    )
    document = tenant.ingest("shipping.html", html)
    assert document["content_type"] == "html"
    hits = tenant.search("next business day express")
    assert hits[0]["citation"]["section"] == "Express"
    assert all("Login" not in hit["text"] for hit in hits)


def test_plain_text_is_ingested(tenant: Any) -> None:
    document = tenant.ingest("hours.txt", b"Opening hours\n\nSupport is open 8am to 8pm.\n")
    assert document["content_type"] == "text"
    assert "8am" in tenant.search("when is support open")[0]["text"]


def test_type_is_detected_from_content_not_extension(tenant: Any) -> None:
    data = pdf_bytes(["Trade-in credit is paid within 10 days."])
    document = tenant.ingest("misnamed.csv", data)
    assert document["content_type"] == "pdf"
    assert document["status"] == "ready"


def test_tags_filter_search(tenant: Any) -> None:
    tenant.ingest("a.md", b"# Billing\n\nInvoices are emailed monthly.\n", tags=["billing"])
    tenant.ingest("b.md", b"# Shipping\n\nInvoices are printed in the parcel.\n", tags=["shipping"])
    hits = tenant.search("invoices", tag="shipping")
    assert hits
    assert {hit["citation"]["title"] for hit in hits} == {"Shipping"}


def test_document_id_filter_search(tenant: Any) -> None:
    first = tenant.ingest("one.md", b"# One\n\nThe warranty lasts 12 months.\n")
    tenant.ingest("two.md", b"# Two\n\nThe warranty can be extended to 24 months.\n")
    hits = tenant.search("warranty", document_id=first["id"])
    assert {hit["citation"]["document_id"] for hit in hits} == {first["id"]}


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_each_search_mode_returns_scored_hits(tenant: Any, mode: str) -> None:
    tenant.ingest("esim.md", b"# eSIM\n\nScan the QR code in the app to activate your eSIM.\n")
    hits = tenant.search("activate esim with qr code", mode=mode)
    assert hits[0]["citation"]["title"] == "eSIM"
    assert hits[0]["score"] > 0
    if mode != "dense":
        assert hits[0]["keyword_score"] is not None
    if mode != "bm25":
        assert hits[0]["dense_similarity"] is not None


def test_list_documents(tenant: Any) -> None:
    tenant.ingest("x.md", b"# X\n\nAlpha.\n")
    tenant.ingest("y.md", b"# Y\n\nBeta.\n")
    response = tenant.client.get("/api/v1/documents", headers=tenant.headers)
    body = response.json()
    assert body["total"] == 2
    assert {item["title"] for item in body["items"]} == {"X", "Y"}
    ready = tenant.client.get("/api/v1/documents?status=failed", headers=tenant.headers).json()
    assert ready["total"] == 0
