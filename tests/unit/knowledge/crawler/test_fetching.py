"""One page: redirects, limits, errors, and the SSRF guard."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import replace
from typing import Any

import httpx
import pytest

from customercare.errors import FetchError, FileTooLarge
from customercare.knowledge.crawler import fetch_page, fetching, make_client
from tests.unit.knowledge.crawler.fake_help_site import (
    LIMITS,
    Recorder,
    Server,
    assert_never_left_localhost,
)


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
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
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
    monkeypatch.setattr(
        fetching, "_resolve", lambda host, port: [ipaddress.ip_address("127.0.0.1")]
    )
    monkeypatch.setattr(fetching, "_is_forbidden", lambda address: False)
    limits = replace(LIMITS, allow_private_addresses=False)
    port = server.server_address[1]
    with make_client(limits) as client:
        page = fetch_page(f"http://help.test:{port}/help/redirect-in", client=client, limits=limits)
    assert page.url == f"http://help.test:{port}/help/d.html"
    assert server.requests == [
        ("/help/redirect-in", f"help.test:{port}"),
        ("/help/d.html", f"help.test:{port}"),
    ]


def test_crawl_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="positive"):
        replace(LIMITS, max_pages=0)
