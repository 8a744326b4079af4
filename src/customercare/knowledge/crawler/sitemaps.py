"""Crawl what a sitemap lists: ``<urlset>`` pages and ``<sitemapindex>`` sitemaps, nested up
to three levels and optionally gzip-compressed, on the sitemap's own host."""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import defusedxml.ElementTree
import httpx

from customercare.errors import FetchError, FileTooLarge
from customercare.knowledge.crawler.crawling import Crawler, CrawlResult
from customercare.knowledge.crawler.fetching import CrawlLimits, fetch_url, too_large
from customercare.knowledge.crawler.urls import host_key, normalize_url

if TYPE_CHECKING:
    # Types only; parsing uses defusedxml.
    from xml.etree.ElementTree import Element  # nosec B405

__all__ = ["crawl_sitemap"]

_MAX_SITEMAP_DEPTH = 3  # the sitemap given is depth 1
_MAX_SITEMAP_DOCUMENTS = 100  # an index may list 50,000 sitemaps; we never need that many
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class _Sitemap:
    page_urls: list[str]
    sitemap_urls: list[str]


def crawl_sitemap(sitemap_url: str, *, client: httpx.Client, limits: CrawlLimits) -> CrawlResult:
    """Fetch the pages a sitemap (or sitemap index, nested up to 3 levels, optionally gzip)
    lists on its own host. Pages of any content type are kept: a sitemap entry is a deliberate
    listing (e.g. a PDF manual), and ``content_type`` tells ingestion how to read it.

    An unreadable top-level sitemap raises ``FetchError``; a failing nested sitemap or page is
    recorded in ``skipped``."""
    crawler = Crawler(client, limits)
    root = normalize_url(sitemap_url)

    def on_host(url: str) -> bool:
        return host_key(url) == host_key(root)

    walk = _SitemapWalk(crawler, on_host)
    walk.add(_read_sitemap(root, client=client, limits=limits), depth=1)
    while not crawler.done():
        if walk.pages:
            crawler.try_fetch(walk.pages.popleft(), html_only=False, in_scope=on_host)
        elif walk.sitemaps:
            walk.read_next()
        else:
            break
    crawler.skip_all(walk.pages)
    crawler.skip_all(deque(url for url, _ in walk.sitemaps))
    return crawler.result()


class _SitemapWalk:
    """Pending page URLs and nested sitemaps, read lazily so a big index costs nothing
    beyond what the page limit lets us use."""

    def __init__(self, crawler: Crawler, on_host: Callable[[str], bool]) -> None:
        self._crawler = crawler
        self._on_host = on_host
        self._seen: set[str] = set()
        self._documents = 1
        self.pages: deque[str] = deque()
        self.sitemaps: deque[tuple[str, int]] = deque()

    def add(self, sitemap: _Sitemap, *, depth: int) -> None:
        for url in self._new_on_host(sitemap.page_urls):
            self.pages.append(url)
        for url in self._new_on_host(sitemap.sitemap_urls):
            if depth >= _MAX_SITEMAP_DEPTH:
                self._skip(url, f"sitemap nested deeper than {_MAX_SITEMAP_DEPTH} levels")
            elif self._documents >= _MAX_SITEMAP_DOCUMENTS:
                self._skip(url, f"more than {_MAX_SITEMAP_DOCUMENTS} sitemaps")
            else:
                self._documents += 1
                self.sitemaps.append((url, depth + 1))

    def read_next(self) -> None:
        url, depth = self.sitemaps.popleft()
        crawler = self._crawler
        try:
            sitemap = _read_sitemap(url, client=crawler.client, limits=crawler.limits)
        except (FetchError, FileTooLarge) as exc:
            self._skip(url, exc.message)
            return
        self.add(sitemap, depth=depth)

    def _new_on_host(self, urls: list[str]) -> Iterator[str]:
        for raw in urls:
            try:
                url = normalize_url(raw)
            except FetchError as exc:
                self._skip(raw, exc.message)
                continue
            if url in self._seen:
                continue
            self._seen.add(url)
            if self._on_host(url):
                yield url
            else:
                self._skip(url, "not on the sitemap's host")

    def _skip(self, url: str, reason: str) -> None:
        self._crawler.skipped.append((url, reason))


def _read_sitemap(url: str, *, client: httpx.Client, limits: CrawlLimits) -> _Sitemap:
    max_bytes = limits.max_bytes_per_page
    page = fetch_url(url, client=client, limits=limits, max_bytes=max_bytes)
    return _parse_sitemap(page.url, _gunzip_if_needed(page.url, page.content, max_bytes))


def _gunzip_if_needed(url: str, body: bytes, max_bytes: int) -> bytes:
    """Decompress a gzip body (``.xml.gz``), bounded by ``max_bytes`` of output.

    Detected by magic bytes, not by the ``.gz`` name: when the server also sent
    ``Content-Encoding: gzip``, httpx has already decompressed it."""
    if not body.startswith(_GZIP_MAGIC):
        return body
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise FetchError(f"sitemap {url} is not valid gzip: {exc}", details={"url": url}) from exc
    if len(data) > max_bytes:
        raise too_large(url, max_bytes)
    if not decompressor.eof:
        raise FetchError(f"sitemap {url} is a truncated gzip file", details={"url": url})
    return data


def _parse_sitemap(url: str, xml: bytes) -> _Sitemap:
    """``<urlset>`` -> page URLs, ``<sitemapindex>`` -> sitemap URLs (namespace-agnostic)."""
    try:
        root: Element = defusedxml.ElementTree.fromstring(xml)
    except (defusedxml.ElementTree.ParseError, defusedxml.DefusedXmlException) as exc:
        raise FetchError(f"sitemap {url} is not valid XML: {exc}", details={"url": url}) from exc
    kind = _local_name(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise FetchError(
            f"{url} is not a sitemap (root element <{kind}>, expected <urlset> or <sitemapindex>)",
            details={"url": url},
        )
    locations = [urljoin(url, loc) for loc in _locations(root)]
    if kind == "urlset":
        return _Sitemap(page_urls=locations, sitemap_urls=[])
    return _Sitemap(page_urls=[], sitemap_urls=locations)


def _locations(root: Element) -> Iterator[str]:
    for entry in root:
        for child in entry:
            if _local_name(child.tag) == "loc" and child.text and child.text.strip():
                yield child.text.strip()


def _local_name(tag: object) -> str:
    """``{http://www.sitemaps.org/schemas/sitemap/0.9}url`` -> ``url``."""
    return str(tag).rsplit("}", 1)[-1]
