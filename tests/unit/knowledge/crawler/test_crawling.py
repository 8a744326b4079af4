"""A same-site crawl: scope, limits and what is skipped."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from customercare.errors import FetchError
from customercare.knowledge.crawler import crawl_site
from tests.unit.knowledge.crawler.fake_help_site import (
    LIMITS,
    Recorder,
    Server,
    assert_never_left_localhost,
    site,
)


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
