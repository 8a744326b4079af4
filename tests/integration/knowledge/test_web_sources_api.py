"""``POST /api/v1/documents/web`` against a real help site on 127.0.0.1 (ephemeral ports).

A second local server plays "another host": it is linked from the site and listed in the
sitemap, and must never receive a single request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest

from tests.support.loopback import free_port, http_server, serving, url_of

HTML = "text/html; charset=utf-8"
REFUNDS = "Refunds for the Zephyr annual plan reach the original card within fourteen days."
SHIPPING = "Zephyr parcels leave the Rotterdam warehouse by tracked courier every weekday."
WELCOME = "Welcome to the Zephyr help center: browse the guides below."


def html_page(title: str, body: str) -> bytes:
    return (
        f"<!doctype html><html><head><title>{title}</title></head>"
        f"<body><h1>{title}</h1>{body}</body></html>"
    ).encode()


@dataclass
class Server:
    """A tiny HTTP server: path -> (status, content type, body); every request is recorded."""

    routes: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    base: str = ""

    def url(self, path: str) -> str:
        return self.base + path


@contextmanager
def serve(server: Server) -> Iterator[Server]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append(self.path)
            status, content_type, body = server.routes.get(
                self.path, (404, "text/plain", b"not found")
            )
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output quiet

    with serving(http_server(Handler), name="help-site") as httpd:
        server.base = url_of(httpd)
        yield server


@dataclass
class HelpSite:
    site: Server
    external: Server

    @property
    def index(self) -> str:
        return self.site.url("/help/index.html")

    @property
    def refunds(self) -> str:
        return self.site.url("/help/refunds.html")

    @property
    def shipping(self) -> str:
        return self.site.url("/help/shipping.html")

    @property
    def missing(self) -> str:
        return self.site.url("/help/missing.html")

    @property
    def sitemap(self) -> str:
        return self.site.url("/sitemap.xml")

    @property
    def offsite(self) -> str:
        return self.external.url("/help/partner.html")


@pytest.fixture
def help_site() -> Iterator[HelpSite]:
    with serve(Server()) as site, serve(Server()) as external:
        help_site = HelpSite(site, external)
        external.routes["/help/partner.html"] = (
            200,
            HTML,
            html_page("Partner", "<p>Partner content that must never be crawled.</p>"),
        )
        links = "".join(
            f'<li><a href="{href}">{label}</a></li>'
            for href, label in [
                ("refunds.html", "Refunds"),
                ("shipping.html", "Shipping"),
                ("missing.html", "Old page"),
                (help_site.offsite, "Our partner"),
            ]
        )
        site.routes["/help/index.html"] = (
            200,
            HTML,
            html_page("Zephyr help center", f"<p>{WELCOME}</p><ul>{links}</ul>"),
        )
        site.routes["/help/refunds.html"] = (
            200,
            HTML,
            html_page("Refund policy", f'<p>{REFUNDS}</p><a href="index.html">Home</a>'),
        )
        site.routes["/help/shipping.html"] = (
            200,
            HTML,
            html_page("Shipping", f'<p>{SHIPPING}</p><a href="index.html">Home</a>'),
        )
        entries = "".join(
            f"<url><loc>{url}</loc></url>"
            for url in (help_site.refunds, help_site.shipping, help_site.missing, help_site.offsite)
        )
        site.routes["/sitemap.xml"] = (
            200,
            "application/xml",
            (
                '<?xml version="1.0" encoding="UTF-8"?>'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
            ).encode(),
        )
        yield help_site


def add_web(tenant: Any, **body: Any) -> httpx.Response:
    response: httpx.Response = tenant.client.post(
        "/api/v1/documents/web", headers=tenant.headers, json=body
    )
    return response


def crawl(tenant: Any, **body: Any) -> dict[str, Any]:
    response = add_web(tenant, **body)
    assert response.status_code == 202, response.text
    result: dict[str, Any] = response.json()
    return result


def source_urls(result: dict[str, Any]) -> set[str]:
    return {item["document"]["source_url"] for item in result["documents"]}


def skipped(result: dict[str, Any]) -> dict[str, str]:
    return {item["url"]: item["reason"] for item in result["skipped"]}


def list_documents(tenant: Any) -> list[dict[str, Any]]:
    response = tenant.client.get("/api/v1/documents", headers=tenant.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_page_mode_ingests_one_page_cited_by_its_url(tenant: Any, help_site: HelpSite) -> None:
    result = crawl(tenant, url=help_site.refunds, mode="page")
    assert len(result["documents"]) == 1
    uploaded = result["documents"][0]
    assert uploaded["deduplicated"] is False
    assert uploaded["document"]["source_url"] == help_site.refunds
    assert result["skipped"] == []
    document = tenant.wait_until_done(uploaded["document"]["id"])
    assert document["status"] == "ready"
    assert document["title"] == "Refund policy"
    hits = tenant.search("how long does a refund of the annual plan take")
    assert hits
    assert "fourteen days" in hits[0]["text"]
    assert hits[0]["citation"]["source_url"] == help_site.refunds
    assert hits[0]["citation"]["document_id"] == document["id"]
    # Only the page itself (and robots.txt) was requested: its links are not followed.
    assert "/help/index.html" not in help_site.site.requests
    assert "/help/shipping.html" not in help_site.site.requests


def test_site_mode_crawls_the_same_host_only(tenant: Any, help_site: HelpSite) -> None:
    result = crawl(tenant, url=help_site.index, mode="site")
    assert source_urls(result) == {help_site.index, help_site.refunds, help_site.shipping}
    reasons = skipped(result)
    assert "404" in reasons[help_site.missing]
    assert "another host" in reasons[help_site.offsite]
    assert help_site.external.requests == []
    for item in result["documents"]:
        assert tenant.wait_until_done(item["document"]["id"])["status"] == "ready"
    hits = tenant.search("Rotterdam warehouse courier")
    assert hits[0]["citation"]["source_url"] == help_site.shipping
    listed = {document["source_url"] for document in list_documents(tenant)}
    assert listed == {help_site.index, help_site.refunds, help_site.shipping}


def test_sitemap_mode_ingests_the_listed_pages_on_its_host(
    tenant: Any, help_site: HelpSite
) -> None:
    result = crawl(tenant, url=help_site.sitemap, mode="sitemap")
    assert source_urls(result) == {help_site.refunds, help_site.shipping}
    reasons = skipped(result)
    assert "404" in reasons[help_site.missing]
    assert help_site.offsite in reasons
    assert help_site.external.requests == []
    assert "/help/index.html" not in help_site.site.requests  # not listed, not fetched
    for item in result["documents"]:
        assert tenant.wait_until_done(item["document"]["id"])["status"] == "ready"
    hits = tenant.search("annual plan refund card")
    assert hits[0]["citation"]["source_url"] == help_site.refunds


@pytest.mark.parametrize("mode", ["site", "sitemap"])
def test_max_pages_is_respected(tenant: Any, help_site: HelpSite, mode: str) -> None:
    url = help_site.index if mode == "site" else help_site.sitemap
    result = crawl(tenant, url=url, mode=mode, max_pages=1)
    assert len(result["documents"]) == 1
    assert any("page limit" in reason for reason in skipped(result).values())
    fetched_pages = [path for path in help_site.site.requests if path.startswith("/help/")]
    assert len(fetched_pages) == 1
    assert len(list_documents(tenant)) == 1


def test_unreachable_url_is_a_fetch_error(tenant: Any) -> None:
    nobody_listens = free_port()
    response = add_web(tenant, url=f"http://127.0.0.1:{nobody_listens}/help/", mode="page")
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["code"] == "fetch_failed"
    assert response.json()["error"]["message"]
    assert list_documents(tenant) == []


def test_a_404_start_page_is_a_fetch_error(tenant: Any, help_site: HelpSite) -> None:
    response = add_web(tenant, url=help_site.missing, mode="page")
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert error["code"] == "fetch_failed"
    assert "404" in error["message"]
    assert list_documents(tenant) == []


@pytest.mark.parametrize(
    "body",
    [
        {"url": "http://127.0.0.1/help/", "mode": "ftp"},
        {"mode": "page"},
        {"url": "not a url", "mode": "page"},
        {"url": "ftp://127.0.0.1/help/", "mode": "page"},
        {"url": "http://127.0.0.1/help/", "max_pages": 0},
    ],
    ids=["bad-mode", "missing-url", "malformed-url", "ftp-url", "zero-pages"],
)
def test_invalid_body_is_rejected(tenant: Any, body: dict[str, Any]) -> None:
    response = add_web(tenant, **body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert response.json()["error"]["details"]["errors"]


def test_web_sources_need_an_api_key(client: Any, help_site: HelpSite) -> None:
    response = client.post("/api/v1/documents/web", json={"url": help_site.refunds})
    assert response.status_code == 401
    assert help_site.site.requests == []


def test_crawled_documents_stay_in_their_workspace(make_tenant: Any, help_site: HelpSite) -> None:
    owner, other = make_tenant("Owner"), make_tenant("Other")
    result = crawl(owner, url=help_site.index, mode="site")
    ids = [item["document"]["id"] for item in result["documents"]]
    for document_id in ids:
        assert owner.wait_until_done(document_id)["status"] == "ready"
    assert any("fourteen days" in hit["text"] for hit in owner.search("Zephyr refund"))
    assert list_documents(other) == []
    for mode in ("hybrid", "bm25", "dense"):
        for hit in other.search("Zephyr refund annual plan Rotterdam", mode=mode, limit=100):
            assert "Zephyr" not in hit["text"]
    response = other.client.get(f"/api/v1/documents/{ids[0]}", headers=other.headers)
    assert response.status_code == 404


def test_reposting_the_same_url_deduplicates(tenant: Any, help_site: HelpSite) -> None:
    first = crawl(tenant, url=help_site.refunds, mode="page")
    document_id = first["documents"][0]["document"]["id"]
    tenant.wait_until_done(document_id)
    second = crawl(tenant, url=help_site.refunds, mode="page")
    assert len(second["documents"]) == 1
    assert second["documents"][0]["deduplicated"] is True
    assert second["documents"][0]["document"]["id"] == document_id
    assert len(list_documents(tenant)) == 1
    hits = tenant.search("annual plan refund", limit=100)
    assert sum("fourteen days" in hit["text"] for hit in hits) == 1
