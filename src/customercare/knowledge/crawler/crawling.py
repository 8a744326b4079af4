"""A same-site crawl: breadth-first over the HTML pages of one help center.

Crawl scope (``crawl_site``): same origin (scheme, host, port) as the start page *after its
redirects*, and under the directory of that page's path, like ``wget --no-parent``:
``/help/`` scopes to ``/help/``, ``/help/index.html`` to ``/help/``, ``/hc/en-us`` to ``/hc/``.
So a help center under ``/help/`` never wanders into the shop or blog, and a start URL
that redirects (``/help`` -> ``/help/``) scopes to where it landed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx
import lxml.etree
import lxml.html

from customercare.errors import FetchError, FileTooLarge
from customercare.knowledge.crawler.fetching import CrawlLimits, FetchedPage, fetch_url, is_html
from customercare.knowledge.crawler.robots import Robots
from customercare.knowledge.crawler.urls import normalize_url, origin_of

__all__ = ["CrawlResult", "Crawler", "crawl_site"]

# Linked files that are certainly not HTML pages: skipped without spending a request.
_NON_HTML_EXTENSIONS = frozenset(
    {
        ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".csv", ".txt",
        ".zip", ".gz", ".tgz", ".tar", ".rar", ".7z", ".exe", ".dmg", ".apk", ".msi",
        ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".bmp", ".tif", ".tiff",
        ".mp3", ".mp4", ".m4a", ".mov", ".avi", ".webm", ".wav", ".ogg",
        ".css", ".js", ".json", ".xml", ".rss", ".woff", ".woff2", ".ttf", ".eot",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CrawlResult:
    pages: list[FetchedPage]
    skipped: list[tuple[str, str]]  # (url, reason)


class Crawler:
    """Shared bookkeeping of a crawl: pages, skip reasons, robots and the page/byte budget."""

    def __init__(self, client: httpx.Client, limits: CrawlLimits) -> None:
        self.client = client
        self.limits = limits
        self.robots = Robots(client, limits)
        self.pages: list[FetchedPage] = []
        self._page_urls: set[str] = set()
        self.skipped: list[tuple[str, str]] = []
        self.total_bytes = 0
        self.stop_reason: str | None = None

    def done(self) -> bool:
        if self.stop_reason is None and len(self.pages) >= self.limits.max_pages:
            self.stop_reason = f"not fetched: page limit ({self.limits.max_pages}) reached"
        if self.stop_reason is None and self.total_bytes >= self.limits.max_total_bytes:
            self.stop_reason = self._byte_limit_reason()
        return self.stop_reason is not None

    def _byte_limit_reason(self) -> str:
        return f"not fetched: total byte limit ({self.limits.max_total_bytes:,}) reached"

    def fetch(self, url: str, *, html_only: bool, in_scope: Callable[[str], bool]) -> FetchedPage:
        """Fetch and keep one page, or raise FetchError/FileTooLarge saying why not."""
        refusal = self.robots.refusal(url)
        if refusal is not None:
            raise FetchError(f"{url}: {refusal}", details={"url": url})
        remaining = self.limits.max_total_bytes - self.total_bytes
        max_bytes = min(self.limits.max_bytes_per_page, remaining)
        accept = is_html if html_only else None
        try:
            page = fetch_url(
                url, client=self.client, limits=self.limits, max_bytes=max_bytes, accept=accept
            )
        except FileTooLarge:
            if max_bytes < self.limits.max_bytes_per_page:
                # Too big for what is left of the total budget, not for the page limit.
                self.stop_reason = self._byte_limit_reason()
                raise FileTooLarge(self.stop_reason, details={"url": url}) from None
            raise
        if not in_scope(page.url):
            raise FetchError(f"{url} redirects outside the crawl scope, to {page.url}")
        if page.url in self._page_urls:
            raise FetchError(f"{url} redirects to {page.url}, already fetched")
        self.pages.append(page)
        self._page_urls.add(page.url)
        self.total_bytes += len(page.content)
        return page

    def try_fetch(
        self, url: str, *, html_only: bool, in_scope: Callable[[str], bool]
    ) -> FetchedPage | None:
        """Like ``fetch`` but a failure is recorded in ``skipped`` instead of raised."""
        try:
            return self.fetch(url, html_only=html_only, in_scope=in_scope)
        except (FetchError, FileTooLarge) as exc:
            self.skipped.append((url, exc.message))
            return None

    def skip_all(self, urls: deque[str]) -> None:
        """Record what a limit left unfetched, so the caller can tell the crawl was cut short."""
        reason = self.stop_reason or "not fetched"
        self.skipped.extend((url, reason) for url in urls)

    def result(self) -> CrawlResult:
        return CrawlResult(pages=list(self.pages), skipped=list(self.skipped))


@dataclass(frozen=True, slots=True)
class _Scope:
    origin: tuple[str, str, int]
    path_prefix: str

    @classmethod
    def around(cls, url: str) -> _Scope:
        path = urlsplit(url).path
        return cls(origin=origin_of(url), path_prefix=path[: path.rfind("/") + 1] or "/")

    def contains(self, url: str) -> bool:
        return self.exclusion(url) is None

    def exclusion(self, url: str) -> str | None:
        if origin_of(url) != self.origin:
            return "outside the crawl scope: another host"
        if not urlsplit(url).path.startswith(self.path_prefix):
            return f"outside the crawl scope: not under {self.path_prefix}"
        if _has_non_html_extension(url):
            return "not an HTML page (file extension)"
        return None


def _has_non_html_extension(url: str) -> bool:
    last_segment = urlsplit(url).path.rsplit("/", 1)[-1].lower()
    dot = last_segment.rfind(".")
    return dot > 0 and last_segment[dot:] in _NON_HTML_EXTENSIONS


def crawl_site(start_url: str, *, client: httpx.Client, limits: CrawlLimits) -> CrawlResult:
    """Breadth-first crawl of HTML pages from ``start_url`` within its scope (see module doc).

    A failing start page raises (``FetchError``, or ``FileTooLarge`` when it exceeds the
    limit); other failures are recorded in ``skipped``."""
    crawler = Crawler(client, limits)
    start = crawler.fetch(normalize_url(start_url), html_only=True, in_scope=lambda _: True)
    scope = _Scope.around(start.url)
    seen = {normalize_url(start_url), start.url}
    queue: deque[str] = deque()
    _enqueue_links(start, scope, seen, queue, crawler.skipped)
    while queue and not crawler.done():
        page = crawler.try_fetch(queue.popleft(), html_only=True, in_scope=scope.contains)
        if page is not None:
            seen.add(page.url)
            _enqueue_links(page, scope, seen, queue, crawler.skipped)
    crawler.skip_all(queue)
    return crawler.result()


def _enqueue_links(
    page: FetchedPage,
    scope: _Scope,
    seen: set[str],
    queue: deque[str],
    skipped: list[tuple[str, str]],
) -> None:
    for link in _extract_links(page):
        try:
            url = normalize_url(link)
        except FetchError:
            continue  # mailto:, javascript:, tel:, malformed: not pages
        if url in seen:
            continue
        seen.add(url)
        exclusion = scope.exclusion(url)
        if exclusion is None:
            queue.append(url)
        else:
            skipped.append((url, exclusion))


def _extract_links(page: FetchedPage) -> list[str]:
    """Absolute ``<a href>`` targets of an HTML page, honouring ``<base href>``."""
    try:
        document = lxml.html.document_fromstring(page.content)
    except (lxml.etree.LxmlError, ValueError):
        return []  # empty or unparsable: no links, the page itself is still kept
    base = page.url
    for element in document.iter("base"):
        if element.get("href"):
            base = urljoin(page.url, element.get("href", ""))
            break
    hrefs = (element.get("href") for element in document.iter("a"))
    return [urljoin(base, href.strip()) for href in hrefs if href and href.strip()]
