"""A fake help center on a real HTTP server on 127.0.0.1 (ephemeral port), for the crawler
tests: nothing here may reach another host. ``example.invalid`` links are only ever *seen*,
never requested."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from customercare.knowledge.crawler import CrawlLimits
from tests.support.loopback import serving

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


@dataclass
class Recorder:
    urls: list[str] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> None:
        self.urls.append(str(request.url))


def assert_never_left_localhost(sent: Recorder) -> None:
    assert sent.urls
    assert all(url.startswith("http://127.0.0.1:") for url in sent.urls), sent.urls
