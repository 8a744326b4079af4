"""The canonical form of a URL."""

from __future__ import annotations

import pytest

from customercare.knowledge.crawler.urls import normalize_url


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("HTTP://Example.COM:80/a/./b/../c?q=1#frag", "http://example.com/a/c?q=1"),
        ("https://user:pw@example.com:443", "https://example.com/"),  # pragma: allowlist secret
        ("https://example.com:8443/x/..", "https://example.com:8443/"),
        ("http://[::1]:8080/a", "http://[::1]:8080/a"),
    ],
)
def test_urls_are_normalized(raw: str, normalized: str) -> None:
    assert normalize_url(raw) == normalized
