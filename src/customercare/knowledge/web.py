"""Fetch help-center content from the web: one page, a same-site crawl, or a sitemap.

Everything goes through :func:`_fetch`, which enforces the safety rules on every request and
every redirect hop:

* only ``http``/``https``; redirects are followed by hand and never to another host;
* SSRF: unless ``allow_private_addresses``, the host is resolved first and refused when any
  address is not public; the request is then *pinned* to the checked address (so a second DNS
  answer cannot point somewhere else: DNS rebinding), keeping ``Host`` and TLS SNI unchanged;
* bodies are streamed and cut off at the byte limit; a slow-drip body is cut off by time.

Crawl scope (``crawl_site``): same origin (scheme, host, port) as the start page *after its
redirects*, and under the directory of that page's path, like ``wget --no-parent``:
``/help/`` scopes to ``/help/``, ``/help/index.html`` to ``/help/``, ``/hc/en-us`` to ``/hc/``.
So a help center under ``/help/`` never wanders into the shop or blog, and a start URL
that redirects (``/help`` -> ``/help/``) scopes to where it landed.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import defusedxml.ElementTree
import httpx
import lxml.etree
import lxml.html

from customercare.errors import FetchError, FileTooLarge

if TYPE_CHECKING:
    # Types only; parsing uses defusedxml.
    from xml.etree.ElementTree import Element  # nosec B405

__all__ = [
    "CrawlLimits",
    "CrawlResult",
    "FetchedPage",
    "crawl_site",
    "crawl_sitemap",
    "fetch_page",
    "make_client",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_REDIRECTS = 5
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
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
_MAX_SITEMAP_DEPTH = 3  # the sitemap given is depth 1
_MAX_SITEMAP_DOCUMENTS = 100  # an index may list 50,000 sitemaps; we never need that many
_ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks parsers to handle at least 500 KiB
_GZIP_MAGIC = b"\x1f\x8b"

_IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class CrawlLimits:
    max_pages: int
    max_bytes_per_page: int
    max_total_bytes: int
    timeout_seconds: float
    user_agent: str
    allow_private_addresses: bool = False

    def __post_init__(self) -> None:
        if min(self.max_pages, self.max_bytes_per_page, self.max_total_bytes) < 1:
            raise ValueError("crawl limits must be positive")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")


@dataclass(frozen=True, slots=True)
class FetchedPage:
    url: str  # final URL, after redirects, normalised
    content: bytes
    content_type: str | None  # media type of the Content-Type header, lower case, no params


@dataclass(frozen=True, slots=True)
class CrawlResult:
    pages: list[FetchedPage]
    skipped: list[tuple[str, str]]  # (url, reason)


def make_client(limits: CrawlLimits) -> httpx.Client:
    """The crawling client. The caller closes it (``with make_client(limits) as client:``)."""
    return httpx.Client(
        timeout=httpx.Timeout(limits.timeout_seconds),
        headers={
            "User-Agent": limits.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            # No brotli/zstd: their decompression ratio makes a small body a memory bomb.
            "Accept-Encoding": "gzip, deflate",
        },
        # _fetch follows redirects itself, re-checking host and address on every hop.
        follow_redirects=False,
        # No proxies or .netrc from the environment: the SSRF check must see the real peer.
        trust_env=False,
    )


# --------------------------------------------------------------------------- single page


def fetch_page(url: str, *, client: httpx.Client, limits: CrawlLimits) -> FetchedPage:
    """Fetch one page. Raises ``FetchError`` (or ``FileTooLarge`` over the per-page limit)."""
    return _fetch(url, client=client, limits=limits, max_bytes=limits.max_bytes_per_page)


def _fetch(
    url: str,
    *,
    client: httpx.Client,
    limits: CrawlLimits,
    max_bytes: int,
    accept: Callable[[str | None], bool] | None = None,
) -> FetchedPage:
    """Fetch ``url`` following same-host redirects; ``accept`` vets the media type before
    the body is downloaded."""
    current = _normalize_url(url)
    with _translate_errors(url, limits):
        for _ in range(_MAX_REDIRECTS + 1):
            with _open(client, current, limits) as response:
                if response.is_redirect:
                    current = _redirect_target(current, response)
                    continue
                return _read_page(current, response, max_bytes, accept, limits)
    raise FetchError(f"{url} redirected more than {_MAX_REDIRECTS} times", details={"url": url})


@contextmanager
def _translate_errors(url: str, limits: CrawlLimits) -> Iterator[None]:
    """httpx exceptions -> FetchError with a message a business user can act on."""
    details = {"url": url}
    try:
        yield
    except httpx.TimeoutException as exc:
        message = f"timed out after {limits.timeout_seconds:g} s fetching {url}"
        raise FetchError(message, details=details) from exc
    except httpx.ConnectError as exc:
        raise FetchError(f"could not connect to {url}: {exc}", details=details) from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FetchError(f"could not fetch {url}: {exc}", details=details) from exc


@contextmanager
def _open(client: httpx.Client, url: str, limits: CrawlLimits) -> Iterator[httpx.Response]:
    """Send one GET (no redirects) and stream its response; always closes it."""
    requests = _build_requests(client, url, limits)
    response = _send_first_reachable(client, requests)
    try:
        yield response
    finally:
        response.close()


def _build_requests(client: httpx.Client, url: str, limits: CrawlLimits) -> list[httpx.Request]:
    """One request per allowed address, in resolver order (fallback when one is unreachable)."""
    timeout = httpx.Timeout(limits.timeout_seconds)
    if limits.allow_private_addresses:
        return [client.build_request("GET", url, timeout=timeout)]
    target = httpx.URL(url)
    return [_pinned_request(client, target, ip, timeout) for ip in _public_addresses(target)]


def _pinned_request(
    client: httpx.Client, url: httpx.URL, ip: _IPAddress, timeout: httpx.Timeout
) -> httpx.Request:
    extensions = {"sni_hostname": url.raw_host.decode("ascii")} if url.scheme == "https" else {}
    return client.build_request(
        "GET",
        url.copy_with(host=str(ip)),
        # Connection: close because the pool keys connections by IP: a kept-alive TLS
        # connection verified for one host must not carry another host's request.
        headers={"Host": url.netloc.decode("ascii"), "Connection": "close"},
        extensions=extensions,
        timeout=timeout,
    )


def _send_first_reachable(client: httpx.Client, requests: list[httpx.Request]) -> httpx.Response:
    for request in requests[:-1]:
        try:
            return client.send(request, stream=True, follow_redirects=False)
        except httpx.ConnectError:
            continue  # e.g. an IPv6 address on a host without IPv6: try the next one
    return client.send(requests[-1], stream=True, follow_redirects=False)


def _redirect_target(current: str, response: httpx.Response) -> str:
    location = response.headers["location"]
    target = _normalize_url(urljoin(current, location))
    if _host_key(target) != _host_key(current):
        raise FetchError(
            f"{current} redirects to another host ({target}); not followed",
            details={"url": current, "location": target},
        )
    return target


def _read_page(
    url: str,
    response: httpx.Response,
    max_bytes: int,
    accept: Callable[[str | None], bool] | None,
    limits: CrawlLimits,
) -> FetchedPage:
    if not response.is_success:
        reason = f" {response.reason_phrase}" if response.reason_phrase else ""
        raise FetchError(
            f"{url} returned HTTP {response.status_code}{reason}",
            details={"url": url, "status": response.status_code},
        )
    content_type = _media_type(response)
    if accept is not None and not accept(content_type):
        raise FetchError(
            f"{url} is not an HTML page ({content_type or 'no Content-Type'})",
            details={"url": url, "content_type": content_type},
        )
    content = _read_body(url, response, max_bytes, limits.timeout_seconds)
    return FetchedPage(url=url, content=content, content_type=content_type)


def _read_body(url: str, response: httpx.Response, max_bytes: int, timeout: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(url, max_bytes)  # refuse before downloading anything
    # Per-read timeouts do not stop a server dripping one byte at a time: bound the total too.
    deadline = time.monotonic() + timeout
    body = bytearray()
    for chunk in response.iter_bytes():  # decoded bytes: a gzip bomb counts at full size
        body += chunk
        if len(body) > max_bytes:
            raise _too_large(url, max_bytes)
        if time.monotonic() > deadline:
            message = f"timed out after {timeout:g} s downloading {url}"
            raise FetchError(message, details={"url": url})
    return bytes(body)


def _too_large(url: str, max_bytes: int) -> FileTooLarge:
    return FileTooLarge(
        f"{url} is larger than the limit of {max_bytes:,} bytes",
        details={"url": url, "max_bytes": max_bytes},
    )


def _media_type(response: httpx.Response) -> str | None:
    header = response.headers.get("content-type", "")
    media_type = header.split(";", 1)[0].strip().lower()
    return media_type or None


def _is_html(content_type: str | None) -> bool:
    return content_type in _HTML_TYPES


# --------------------------------------------------------------------------- URLs


def _normalize_url(raw: str) -> str:
    """Absolute http(s) URL -> canonical form: lower-case scheme/host, no default port, no
    userinfo, no fragment, dot segments resolved, ``/`` for an empty path; query kept."""
    try:
        parts = urlsplit(raw.strip())
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"invalid URL {raw!r}", details={"url": raw}) from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise FetchError(f"only http and https URLs can be fetched: {raw!r}", details={"url": raw})
    host = parts.hostname  # already lower case
    if not host:
        raise FetchError(f"URL has no host: {raw!r}", details={"url": raw})
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return urlunsplit((scheme, netloc, _remove_dot_segments(parts.path), parts.query, ""))


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4 for an absolute path (``/a/./b/../c`` -> ``/a/c``)."""
    segments = path.split("/")
    out: list[str] = []
    for segment in segments:
        if segment == "..":
            if len(out) > 1:
                out.pop()
        elif segment != ".":
            out.append(segment)
    if segments[-1] in (".", ".."):
        out.append("")  # "/a/b/.." names the directory "/a/"
    return "/".join(out) or "/"


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port or _DEFAULT_PORTS[parts.scheme]


def _host_key(url: str) -> tuple[str, int | None]:
    """Host identity for redirects and sitemaps: http://h -> https://h is the same host,
    http://h -> http://h:8080 is not."""
    parts = urlsplit(url)
    port = parts.port if parts.port != _DEFAULT_PORTS[parts.scheme] else None
    return parts.hostname or "", port


# --------------------------------------------------------------------------- SSRF


def _public_addresses(url: httpx.URL) -> list[_IPAddress]:
    """All addresses of the host, or FetchError if any of them is not public (a host that
    resolves to both is as dangerous as one that resolves to a private address only)."""
    host = url.raw_host.decode("ascii")
    addresses = _resolve(host, url.port or _DEFAULT_PORTS[url.scheme])
    if not addresses:
        raise FetchError(f"could not resolve host {host}", details={"url": str(url)})
    for address in addresses:
        if _is_forbidden(address):
            raise FetchError(
                f"refusing to fetch {url}: {host} resolves to private address {address}",
                details={"url": str(url), "address": str(address)},
            )
    return addresses


def _resolve(host: str, port: int) -> list[_IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"could not resolve host {host}: {exc}", details={"host": host}) from exc
    addresses: list[_IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])  # drop IPv6 scope id
        if address not in addresses:
            addresses.append(address)
    return addresses


def _is_forbidden(address: _IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return (
        not address.is_global  # also covers carrier-grade NAT 100.64/10, documentation nets
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


# --------------------------------------------------------------------------- robots.txt


class _Robots:
    """robots.txt per origin, fetched once through the same client and safety rules.

    RFC 9309: a 4xx robots.txt (missing) allows everything; any other failure (5xx,
    unreachable, unreadable) disallows everything on that host."""

    def __init__(self, client: httpx.Client, limits: CrawlLimits) -> None:
        self._client = client
        self._limits = limits
        self._parsers: dict[tuple[str, str, int], tuple[RobotFileParser, str]] = {}

    def refusal(self, url: str) -> str | None:
        """``None`` when ``url`` may be crawled, else the reason it may not."""
        key = _origin(url)
        if key not in self._parsers:
            self._parsers[key] = self._load(url)
        parser, reason = self._parsers[key]
        return None if parser.can_fetch(self._limits.user_agent, url) else reason

    def _load(self, url: str) -> tuple[RobotFileParser, str]:
        parts = urlsplit(url)
        robots_url = urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))
        parser = RobotFileParser(robots_url)
        max_bytes = min(self._limits.max_bytes_per_page, _ROBOTS_MAX_BYTES)
        try:
            page = _fetch(robots_url, client=self._client, limits=self._limits, max_bytes=max_bytes)
        except (FetchError, FileTooLarge) as exc:
            status = exc.details.get("status")
            missing = isinstance(status, int) and 400 <= status < 500
            # Public API only: an empty file allows everything, "Disallow: /" nothing.
            parser.parse([] if missing else ["User-agent: *", "Disallow: /"])
            return parser, f"robots.txt could not be read ({exc.message}), so nothing is crawled"
        parser.parse(page.content.decode("utf-8", errors="replace").splitlines())
        return parser, "disallowed by robots.txt"


# --------------------------------------------------------------------------- crawling


class _Crawler:
    """Shared bookkeeping of a crawl: pages, skip reasons, robots and the page/byte budget."""

    def __init__(self, client: httpx.Client, limits: CrawlLimits) -> None:
        self.client = client
        self.limits = limits
        self.robots = _Robots(client, limits)
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
        accept = _is_html if html_only else None
        try:
            page = _fetch(
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
        return cls(origin=_origin(url), path_prefix=path[: path.rfind("/") + 1] or "/")

    def contains(self, url: str) -> bool:
        return self.exclusion(url) is None

    def exclusion(self, url: str) -> str | None:
        if _origin(url) != self.origin:
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
    crawler = _Crawler(client, limits)
    start = crawler.fetch(_normalize_url(start_url), html_only=True, in_scope=lambda _: True)
    scope = _Scope.around(start.url)
    seen = {_normalize_url(start_url), start.url}
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
            url = _normalize_url(link)
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


# --------------------------------------------------------------------------- sitemaps


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
    crawler = _Crawler(client, limits)
    root = _normalize_url(sitemap_url)

    def on_host(url: str) -> bool:
        return _host_key(url) == _host_key(root)

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

    def __init__(self, crawler: _Crawler, on_host: Callable[[str], bool]) -> None:
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
                url = _normalize_url(raw)
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
    page = _fetch(url, client=client, limits=limits, max_bytes=max_bytes)
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
        raise _too_large(url, max_bytes)
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
