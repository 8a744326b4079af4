"""Fetch one URL from the web, safely.

Everything goes through :func:`fetch_url`, which enforces the safety rules on every request and
every redirect hop:

* only ``http``/``https``; redirects are followed by hand and never to another host;
* SSRF: unless ``allow_private_addresses``, the host is resolved first and refused when any
  address is not public; the request is then *pinned* to the checked address (so a second DNS
  answer cannot point somewhere else: DNS rebinding), keeping ``Host`` and TLS SNI unchanged;
* bodies are streamed and cut off at the byte limit; a slow-drip body is cut off by time.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeAlias
from urllib.parse import urljoin

import httpx

from customercare.errors import FetchError, FileTooLarge
from customercare.knowledge.crawler.urls import DEFAULT_PORTS, host_key, normalize_url

__all__ = [
    "CrawlLimits",
    "FetchedPage",
    "fetch_page",
    "fetch_url",
    "is_html",
    "make_client",
    "too_large",
]

_MAX_REDIRECTS = 5
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

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
        # fetch_url follows redirects itself, re-checking host and address on every hop.
        follow_redirects=False,
        # No proxies or .netrc from the environment: the SSRF check must see the real peer.
        trust_env=False,
    )


# --------------------------------------------------------------------------- single page


def fetch_page(url: str, *, client: httpx.Client, limits: CrawlLimits) -> FetchedPage:
    """Fetch one page. Raises ``FetchError`` (or ``FileTooLarge`` over the per-page limit)."""
    return fetch_url(url, client=client, limits=limits, max_bytes=limits.max_bytes_per_page)


def fetch_url(
    url: str,
    *,
    client: httpx.Client,
    limits: CrawlLimits,
    max_bytes: int,
    accept: Callable[[str | None], bool] | None = None,
) -> FetchedPage:
    """Fetch ``url`` following same-host redirects; ``accept`` vets the media type before
    the body is downloaded."""
    current = normalize_url(url)
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
    target = normalize_url(urljoin(current, location))
    if host_key(target) != host_key(current):
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
        raise too_large(url, max_bytes)  # refuse before downloading anything
    # Per-read timeouts do not stop a server dripping one byte at a time: bound the total too.
    deadline = time.monotonic() + timeout
    body = bytearray()
    for chunk in response.iter_bytes():  # decoded bytes: a gzip bomb counts at full size
        body += chunk
        if len(body) > max_bytes:
            raise too_large(url, max_bytes)
        if time.monotonic() > deadline:
            message = f"timed out after {timeout:g} s downloading {url}"
            raise FetchError(message, details={"url": url})
    return bytes(body)


def too_large(url: str, max_bytes: int) -> FileTooLarge:
    return FileTooLarge(
        f"{url} is larger than the limit of {max_bytes:,} bytes",
        details={"url": url, "max_bytes": max_bytes},
    )


def _media_type(response: httpx.Response) -> str | None:
    header = response.headers.get("content-type", "")
    media_type = header.split(";", 1)[0].strip().lower()
    return media_type or None


def is_html(content_type: str | None) -> bool:
    return content_type in _HTML_TYPES


# --------------------------------------------------------------------------- SSRF


def _public_addresses(url: httpx.URL) -> list[_IPAddress]:
    """All addresses of the host, or FetchError if any of them is not public (a host that
    resolves to both is as dangerous as one that resolves to a private address only)."""
    host = url.raw_host.decode("ascii")
    addresses = _resolve(host, url.port or DEFAULT_PORTS[url.scheme])
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
