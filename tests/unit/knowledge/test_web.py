"""The web fetcher against a real HTTP server on 127.0.0.1 (ephemeral port): nothing here may
reach another host. ``example.invalid`` links are only ever *seen*, never requested."""

from __future__ import annotations

import gzip
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from customercare.errors import FetchError, FileTooLarge
from customercare.knowledge import web
from customercare.knowledge.web import (
    CrawlLimits,
    crawl_site,
    crawl_sitemap,
    fetch_page,
    make_client,
)
from tests.support.loopback import free_port, serving

LIMITS = CrawlLimits(
    max_pages=50,
    max_bytes_per_page=10_000,
    max_total_bytes=1_000_000,
    timeout_seconds=2.0,
    user_agent="CustomerCareTest/1.0",
    allow_private_addresses=True,
)
HTML = "text/html; charset=utf-8"


@dataclass
class Resp:
    body: bytes = b""
    status: int = 200
    content_type: str | None = HTML
    headers: dict[str, str] = field(default_factory=dict)
    send_length: bool = True  # False: HTTP/1.0 body delimited by closing the connection


def html(body: str) -> Resp:
    return Resp(f"<!doctype html><html><body>{body}</body></html>".encode())


def redirect(location: str) -> Resp:
    return Resp(status=302, content_type=None, headers={"Location": location})


def urlset(*urls: str) -> bytes:
    entries = "".join(f"<url><loc>{url}</loc></url>" for url in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    ).encode()


def sitemapindex(*urls: str) -> bytes:
    entries = "".join(f"<sitemap><loc>{url}</loc></sitemap>" for url in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'
    ).encode()


XML = "application/xml"
INDEX_LINKS = [
    "a.html",
    "b.html?x=1#section",
    "a.html#top",  # duplicate once the fragment is stripped
    "mailto:support@example.com",
    "javascript:void(0)",
    "tel:+15555550100",
    "http://example.invalid/elsewhere",  # another host: must never be requested
    "/blog/post.html",  # same host, outside /help/
    "missing.html",  # 404
    "huge.html",  # over the per-page limit
    "manual.pdf",  # binary by extension: skipped without a request
    "download",  # binary by Content-Type
    "private/secret.html",  # disallowed by robots.txt
    "redirect-in",  # -> /help/d.html
    "redirect-out",  # -> http://example.invalid/
]


def site(base: str) -> dict[str, Resp]:
    links = "".join(f'<a href="{href}">link</a>' for href in INDEX_LINKS)
    return {
        "/robots.txt": Resp(
            b"User-agent: *\nDisallow: /help/private/\n", content_type="text/plain"
        ),
        "/help/": html(f"<h1>Help</h1>{links}"),
        "/help/a.html": html('<p>A</p><a href="/help/">home</a><a href="b.html?x=1">b</a>'),
        "/help/b.html?x=1": html("<p>B</p>"),
        "/help/d.html": html("<p>D</p>"),
        "/help/huge.html": html("x" * 50_000),
        "/help/huge-stream.html": Resp(b"y" * 50_000, send_length=False),
        "/help/manual.pdf": Resp(b"%PDF-1.4 fake", content_type="application/pdf"),
        "/help/download": Resp(b"%PDF-1.4 fake", content_type="application/pdf"),
        "/help/private/secret.html": html("<p>secret</p>"),
        "/help/redirect-in": redirect("/help/d.html"),
        "/help/redirect-out": redirect("http://example.invalid/"),
        "/blog/post.html": html("<p>blog</p>"),
        "/sitemap.xml": Resp(
            urlset(
                f"{base}/help/a.html",
                f"{base}/help/d.html",
                "http://example.invalid/x",
                f"{base}/help/private/secret.html",
                f"{base}/help/missing.html",
            ),
            content_type=XML,
        ),
        "/sitemap_index.xml": Resp(
            sitemapindex(f"{base}/sitemaps/pages.xml.gz", "http://example.invalid/sitemap.xml"),
            content_type=XML,
        ),
        "/sitemaps/pages.xml.gz": Resp(
            gzip.compress(urlset(f"{base}/help/b.html?x=1", f"{base}/help/manual.pdf")),
            content_type="application/gzip",
        ),
        "/bad-sitemap.xml": Resp(b"<urlset><url><loc>oops</urlset>", content_type=XML),
        "/feed.xml": Resp(b"<rss><channel/></rss>", content_type=XML),
        "/evil-sitemap.xml": Resp(
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa">]><urlset>&a;</urlset>',
            content_type=XML,
        ),
        "/deep/1.xml": Resp(sitemapindex(f"{base}/deep/2.xml"), content_type=XML),
        "/deep/2.xml": Resp(sitemapindex(f"{base}/deep/3.xml"), content_type=XML),
        "/deep/3.xml": Resp(sitemapindex(f"{base}/deep/4.xml"), content_type=XML),
        "/deep/4.xml": Resp(urlset(f"{base}/help/a.html"), content_type=XML),
    }


class Server(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self.routes: dict[str, Resp] = {}
        self.requests: list[tuple[str, str | None]] = []  # (path, Host header)
        self.release = threading.Event()  # lets /slow answer at teardown

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the client hanging up mid-body (size limit, timeout) is expected here

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: no lingering keep-alive threads
    server: Server

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("Host")))
        if self.path == "/slow":
            self.server.release.wait(5)
        response = self.server.routes.get(self.path, Resp(b"not found", status=404))
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        if response.send_length:
            self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(routes: Callable[[str], dict[str, Resp]]) -> Iterator[Server]:
    server = Server()
    server.routes = routes(server.base)
    with serving(server, name="help-site", poll_interval=0.01):
        try:
            yield server
        finally:
            server.release.set()  # before the shutdown, which joins the handler threads


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    # A handler thread may still be finishing its exit when the test ends: give it a moment.
    deadline = time.monotonic() + 5
    while True:
        leaked = {t for t in threading.enumerate() if t not in before and t.is_alive()}
        if not leaked or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert not leaked


@pytest.fixture
def server() -> Iterator[Server]:
    with serve(site) as running:
        yield running


@dataclass
class Recorder:
    urls: list[str] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> None:
        self.urls.append(str(request.url))


@pytest.fixture
def sent() -> Recorder:
    return Recorder()


@pytest.fixture
def client(sent: Recorder) -> Iterator[httpx.Client]:
    with make_client(LIMITS) as crawl_client:
        crawl_client.event_hooks = {"request": [sent], "response": []}
        yield crawl_client


def assert_never_left_localhost(sent: Recorder) -> None:
    assert sent.urls
    assert all(url.startswith("http://127.0.0.1:") for url in sent.urls), sent.urls


# --------------------------------------------------------------------------- fetch_page


def test_fetch_page_returns_bytes_media_type_and_url(server: Server, client: httpx.Client) -> None:
    page = fetch_page(f"{server.base}/help/a.html#frag", client=client, limits=LIMITS)
    assert page.url == f"{server.base}/help/a.html"
    assert page.content_type == "text/html"
    assert b"<p>A</p>" in page.content
    assert client.headers["User-Agent"] == "CustomerCareTest/1.0"


def test_fetch_page_follows_redirect_on_the_same_host(server: Server, client: httpx.Client) -> None:
    page = fetch_page(f"{server.base}/help/redirect-in", client=client, limits=LIMITS)
    assert page.url == f"{server.base}/help/d.html"
    assert b"<p>D</p>" in page.content


def test_fetch_page_refuses_redirect_to_another_host(
    server: Server, client: httpx.Client, sent: Recorder
) -> None:
    with pytest.raises(FetchError, match="redirects to another host"):
        fetch_page(f"{server.base}/help/redirect-out", client=client, limits=LIMITS)
    assert_never_left_localhost(sent)


def test_fetch_page_reports_http_status(server: Server, client: httpx.Client) -> None:
    with pytest.raises(FetchError, match="HTTP 404") as caught:
        fetch_page(f"{server.base}/help/missing.html", client=client, limits=LIMITS)
    assert caught.value.details["status"] == 404


@pytest.mark.parametrize("path", ["/help/huge.html", "/help/huge-stream.html"])
def test_fetch_page_stops_at_the_byte_limit(
    server: Server, client: httpx.Client, path: str
) -> None:
    # With Content-Length it is refused up front; without, the stream is cut off.
    with pytest.raises(FileTooLarge, match="10,000 bytes"):
        fetch_page(f"{server.base}{path}", client=client, limits=LIMITS)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/file", "file:///etc/passwd", "mailto:a@b.c"])
def test_fetch_page_only_fetches_http(client: httpx.Client, url: str) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        fetch_page(url, client=client, limits=LIMITS)


def test_fetch_page_times_out(server: Server) -> None:
    limits = replace(LIMITS, timeout_seconds=0.2)
    with make_client(limits) as client, pytest.raises(FetchError, match="timed out"):
        fetch_page(f"{server.base}/slow", client=client, limits=limits)


def test_fetch_page_reports_connection_refused(client: httpx.Client) -> None:
    port = free_port()  # free a moment ago: nobody listens
    with pytest.raises(FetchError, match="could not connect"):
        fetch_page(f"http://127.0.0.1:{port}/", client=client, limits=LIMITS)


# --------------------------------------------------------------------------- SSRF


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "0.0.0.0"])
def test_private_addresses_are_refused_by_default(server: Server, host: str) -> None:
    limits = replace(LIMITS, allow_private_addresses=False)
    port = server.server_address[1]
    with make_client(limits) as client, pytest.raises(FetchError, match="private address"):
        fetch_page(f"http://{host}:{port}/help/", client=client, limits=limits)
    assert server.requests == []


def test_a_host_with_any_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        assert host == "mixed.test"
        stream = socket.SOCK_STREAM
        return [
            (socket.AF_INET, stream, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, stream, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    limits = replace(LIMITS, allow_private_addresses=False)
    with make_client(limits) as client, pytest.raises(FetchError, match=r"10\.0\.0\.7"):
        fetch_page("http://mixed.test/", client=client, limits=limits)


def test_requests_are_pinned_to_the_checked_address(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pretend help.test resolves to a public address that is in fact our server: the request
    # must go to exactly the resolved address while keeping the original Host header.
    monkeypatch.setattr(web, "_resolve", lambda host, port: [ipaddress.ip_address("127.0.0.1")])
    monkeypatch.setattr(web, "_is_forbidden", lambda address: False)
    limits = replace(LIMITS, allow_private_addresses=False)
    port = server.server_address[1]
    with make_client(limits) as client:
        page = fetch_page(f"http://help.test:{port}/help/redirect-in", client=client, limits=limits)
    assert page.url == f"http://help.test:{port}/help/d.html"
    assert server.requests == [
        ("/help/redirect-in", f"help.test:{port}"),
        ("/help/d.html", f"help.test:{port}"),
    ]


# --------------------------------------------------------------------------- crawl_site


def test_crawl_site_stays_on_host_and_under_the_start_directory(
    server: Server, client: httpx.Client, sent: Recorder
) -> None:
    result = crawl_site(f"{server.base}/help/", client=client, limits=LIMITS)

    base = server.base
    assert [page.url for page in result.pages] == [
        f"{base}/help/",
        f"{base}/help/a.html",
        f"{base}/help/b.html?x=1",
        f"{base}/help/d.html",
    ]
    reasons = dict(result.skipped)
    assert reasons["http://example.invalid/elsewhere"] == "outside the crawl scope: another host"
    assert reasons[f"{base}/blog/post.html"] == "outside the crawl scope: not under /help/"
    assert "HTTP 404" in reasons[f"{base}/help/missing.html"]
    assert "10,000 bytes" in reasons[f"{base}/help/huge.html"]
    assert "file extension" in reasons[f"{base}/help/manual.pdf"]
    assert "not an HTML page (application/pdf)" in reasons[f"{base}/help/download"]
    assert "robots.txt" in reasons[f"{base}/help/private/secret.html"]
    assert "another host" in reasons[f"{base}/help/redirect-out"]
    assert not any(url.startswith(("mailto:", "javascript:", "tel:")) for url in reasons)
    # Every page requested once; excluded ones never.
    assert server.paths.count("/help/a.html") == 1
    for never in ("/help/manual.pdf", "/help/private/secret.html", "/blog/post.html"):
        assert never not in server.paths
    assert_never_left_localhost(sent)


def test_crawl_site_scopes_to_the_directory_of_a_file_start_url(
    server: Server, client: httpx.Client
) -> None:
    result = crawl_site(f"{server.base}/help/a.html", client=client, limits=LIMITS)
    assert [page.url for page in result.pages] == [
        f"{server.base}/help/a.html",
        f"{server.base}/help/",
        f"{server.base}/help/b.html?x=1",
        f"{server.base}/help/d.html",
    ]


def test_crawl_site_stops_at_the_page_limit(server: Server, client: httpx.Client) -> None:
    limits = replace(LIMITS, max_pages=2)
    result = crawl_site(f"{server.base}/help/", client=client, limits=limits)
    assert [page.url for page in result.pages] == [
        f"{server.base}/help/",
        f"{server.base}/help/a.html",
    ]
    assert (
        f"{server.base}/help/b.html?x=1",
        "not fetched: page limit (2) reached",
    ) in result.skipped
    assert "/help/d.html" not in server.paths


def test_crawl_site_stops_at_the_total_byte_limit(server: Server, client: httpx.Client) -> None:
    routes = site(server.base)
    budget = len(routes["/help/"].body) + len(routes["/help/a.html"].body) + 5
    limits = replace(LIMITS, max_total_bytes=budget)
    result = crawl_site(f"{server.base}/help/", client=client, limits=limits)
    assert [page.url for page in result.pages] == [
        f"{server.base}/help/",
        f"{server.base}/help/a.html",
    ]
    assert sum(len(page.content) for page in result.pages) <= budget
    reasons = dict(result.skipped)
    assert "total byte limit" in reasons[f"{server.base}/help/b.html?x=1"]
    assert "total byte limit" in reasons[f"{server.base}/help/redirect-in"]  # queued, never fetched
    assert "/help/redirect-in" not in server.paths


def test_crawl_site_raises_when_the_start_page_fails(server: Server, client: httpx.Client) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        crawl_site(f"{server.base}/help/missing.html", client=client, limits=LIMITS)
    with pytest.raises(FetchError, match="not an HTML page"):
        crawl_site(f"{server.base}/help/download", client=client, limits=LIMITS)
    with pytest.raises(FetchError, match=r"robots\.txt"):
        crawl_site(f"{server.base}/help/private/secret.html", client=client, limits=LIMITS)


def test_missing_robots_txt_allows_everything(client: httpx.Client) -> None:
    def routes(base: str) -> dict[str, Resp]:
        return {"/": html('<a href="private/x.html">x</a>'), "/private/x.html": html("x")}

    with serve(routes) as other:
        result = crawl_site(f"{other.base}/", client=client, limits=LIMITS)
    assert [page.url for page in result.pages] == [f"{other.base}/", f"{other.base}/private/x.html"]


def test_failing_robots_txt_disallows_everything(client: httpx.Client) -> None:
    def routes(base: str) -> dict[str, Resp]:
        return {"/robots.txt": Resp(b"oops", status=503), "/": html("home")}

    with serve(routes) as other, pytest.raises(FetchError, match=r"robots\.txt could not be read"):
        crawl_site(f"{other.base}/", client=client, limits=LIMITS)


# --------------------------------------------------------------------------- crawl_sitemap


def test_crawl_sitemap_fetches_listed_pages_on_the_same_host(
    server: Server, client: httpx.Client, sent: Recorder
) -> None:
    result = crawl_sitemap(f"{server.base}/sitemap.xml", client=client, limits=LIMITS)
    base = server.base
    assert [page.url for page in result.pages] == [f"{base}/help/a.html", f"{base}/help/d.html"]
    reasons = dict(result.skipped)
    assert reasons["http://example.invalid/x"] == "not on the sitemap's host"
    assert "robots.txt" in reasons[f"{base}/help/private/secret.html"]
    assert "HTTP 404" in reasons[f"{base}/help/missing.html"]
    assert_never_left_localhost(sent)


def test_crawl_sitemap_reads_an_index_and_gzip_sub_sitemap(
    server: Server, client: httpx.Client, sent: Recorder
) -> None:
    result = crawl_sitemap(f"{server.base}/sitemap_index.xml", client=client, limits=LIMITS)
    pages = {page.url: page.content_type for page in result.pages}
    assert pages == {
        f"{server.base}/help/b.html?x=1": "text/html",
        f"{server.base}/help/manual.pdf": "application/pdf",  # listed, so kept
    }
    assert ("http://example.invalid/sitemap.xml", "not on the sitemap's host") in result.skipped
    assert_never_left_localhost(sent)


def test_crawl_sitemap_limits_index_nesting(server: Server, client: httpx.Client) -> None:
    result = crawl_sitemap(f"{server.base}/deep/1.xml", client=client, limits=LIMITS)
    assert result.pages == []
    assert result.skipped == [(f"{server.base}/deep/4.xml", "sitemap nested deeper than 3 levels")]
    assert "/deep/4.xml" not in server.paths


def test_crawl_sitemap_respects_the_page_limit(server: Server, client: httpx.Client) -> None:
    limits = replace(LIMITS, max_pages=1)
    result = crawl_sitemap(f"{server.base}/sitemap.xml", client=client, limits=limits)
    assert [page.url for page in result.pages] == [f"{server.base}/help/a.html"]
    assert (f"{server.base}/help/d.html", "not fetched: page limit (1) reached") in result.skipped


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/bad-sitemap.xml", "is not valid XML"),
        ("/evil-sitemap.xml", "is not valid XML"),  # entities are refused by defusedxml
        ("/feed.xml", r"is not a sitemap \(root element <rss>"),
        ("/nowhere.xml", "HTTP 404"),
    ],
)
def test_crawl_sitemap_rejects_unusable_sitemaps(
    server: Server, client: httpx.Client, path: str, message: str
) -> None:
    with pytest.raises(FetchError, match=message):
        crawl_sitemap(f"{server.base}{path}", client=client, limits=LIMITS)


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("HTTP://Example.COM:80/a/./b/../c?q=1#frag", "http://example.com/a/c?q=1"),
        ("https://user:pw@example.com:443", "https://example.com/"),
        ("https://example.com:8443/x/..", "https://example.com:8443/"),
        ("http://[::1]:8080/a", "http://[::1]:8080/a"),
    ],
)
def test_urls_are_normalized(raw: str, normalized: str) -> None:
    assert web._normalize_url(raw) == normalized


def test_crawl_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="positive"):
        replace(LIMITS, max_pages=0)
