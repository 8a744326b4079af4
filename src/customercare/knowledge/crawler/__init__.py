"""Fetch help-center content from the web: one page, a same-site crawl, or a sitemap.

- :mod:`.fetching`: one URL, with the SSRF guard and the size, time and redirect limits that
  every request of the package goes through;
- :mod:`.crawling`: a breadth-first crawl within the start page's host and directory;
- :mod:`.sitemaps`: the pages a sitemap (or sitemap index) lists on its own host;
- :mod:`.robots`: robots.txt, honoured by both crawls;
- :mod:`.urls`: the canonical form of a URL and the host identity the rules compare.
"""

from customercare.knowledge.crawler.crawling import CrawlResult, crawl_site
from customercare.knowledge.crawler.fetching import (
    CrawlLimits,
    FetchedPage,
    fetch_page,
    make_client,
)
from customercare.knowledge.crawler.sitemaps import crawl_sitemap

__all__ = [
    "CrawlLimits",
    "CrawlResult",
    "FetchedPage",
    "crawl_site",
    "crawl_sitemap",
    "fetch_page",
    "make_client",
]
