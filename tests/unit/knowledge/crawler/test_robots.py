"""robots.txt: missing allows everything, failing disallows everything."""

from __future__ import annotations

import httpx
import pytest

from customercare.errors import FetchError
from customercare.knowledge.crawler import crawl_site
from tests.unit.knowledge.crawler.fake_help_site import LIMITS, Resp, html, serve


def test_missing_robots_txt_allows_everything(client: httpx.Client) -> None:
    def routes(base: str) -> dict[str, Resp]:
        return {"/": html('<a href="private/x.html">x</a>'), "/private/x.html": html("x")}

    with serve(routes) as other:
        result = crawl_site(f"{other.base}/", client=client, limits=LIMITS)
    assert [page.url for page in result.pages] == [f"{other.base}/", f"{other.base}/private/x.html"]


def test_failing_robots_txt_disallows_everything(client: httpx.Client) -> None:
    def routes(base: str) -> dict[str, Resp]:
        return {"/robots.txt": Resp(b"oops", status=503), "/": html("home")}

    with serve(routes) as other, pytest.raises(FetchError, match=r"robots\.txt could not be read"):
        crawl_site(f"{other.base}/", client=client, limits=LIMITS)
