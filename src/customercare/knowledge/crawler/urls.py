"""URL identity for the crawler: one canonical form, the origin a crawl stays on, and the host
a redirect or a sitemap entry must keep."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from customercare.errors import FetchError

__all__ = ["DEFAULT_PORTS", "host_key", "normalize_url", "origin_of"]

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_url(raw: str) -> str:
    """Absolute http(s) URL -> canonical form: lower-case scheme/host, no default port, no
    userinfo, no fragment, dot segments resolved, ``/`` for an empty path; query kept."""
    try:
        parts = urlsplit(raw.strip())
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"invalid URL {raw!r}", details={"url": raw}) from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise FetchError(f"only http and https URLs can be fetched: {raw!r}", details={"url": raw})
    host = parts.hostname  # already lower case
    if not host:
        raise FetchError(f"URL has no host: {raw!r}", details={"url": raw})
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
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


def origin_of(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port or DEFAULT_PORTS[parts.scheme]


def host_key(url: str) -> tuple[str, int | None]:
    """Host identity for redirects and sitemaps: http://h -> https://h is the same host,
    http://h -> http://h:8080 is not."""
    parts = urlsplit(url)
    port = parts.port if parts.port != DEFAULT_PORTS[parts.scheme] else None
    return parts.hostname or "", port
