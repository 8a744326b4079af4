"""Sitemaps and sitemap indexes, plain and gzip."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from customercare.errors import FetchError
from customercare.knowledge.crawler import crawl_sitemap
from tests.unit.knowledge.crawler.fake_help_site import (
    LIMITS,
    Recorder,
    Server,
    assert_never_left_localhost,
)


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
