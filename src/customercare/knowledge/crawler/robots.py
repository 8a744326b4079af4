"""robots.txt, read once per origin through the same safety rules as every other fetch."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import httpx

from customercare.errors import FetchError, FileTooLarge
from customercare.knowledge.crawler.fetching import CrawlLimits, fetch_url
from customercare.knowledge.crawler.urls import origin_of

__all__ = ["Robots"]

_ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks parsers to handle at least 500 KiB


class Robots:
    """robots.txt per origin, fetched once through the same client and safety rules.

    RFC 9309: a 4xx robots.txt (missing) allows everything; any other failure (5xx,
    unreachable, unreadable) disallows everything on that host."""

    def __init__(self, client: httpx.Client, limits: CrawlLimits) -> None:
        self._client = client
        self._limits = limits
        self._parsers: dict[tuple[str, str, int], tuple[RobotFileParser, str]] = {}

    def refusal(self, url: str) -> str | None:
        """``None`` when ``url`` may be crawled, else the reason it may not."""
        key = origin_of(url)
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
            page = fetch_url(
                robots_url, client=self._client, limits=self._limits, max_bytes=max_bytes
            )
        except (FetchError, FileTooLarge) as exc:
            status = exc.details.get("status")
            missing = isinstance(status, int) and 400 <= status < 500
            # Public API only: an empty file allows everything, "Disallow: /" nothing.
            parser.parse([] if missing else ["User-agent: *", "Disallow: /"])
            return parser, f"robots.txt could not be read ({exc.message}), so nothing is crawled"
        parser.parse(page.content.decode("utf-8", errors="replace").splitlines())
        return parser, "disallowed by robots.txt"
