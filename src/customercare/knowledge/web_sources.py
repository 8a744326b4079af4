"""Web pages and sitemaps as knowledge: crawl within the start URL's host, then register each
fetched page as a document (its URL kept for citations)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlparse

from customercare.errors import IngestionError
from customercare.knowledge import service
from customercare.knowledge.crawler import (
    CrawlLimits,
    CrawlResult,
    crawl_site,
    crawl_sitemap,
    fetch_page,
    make_client,
)
from customercare.knowledge.schemas import DocumentUploaded, WebSourceCreate, WebSourceResult
from customercare.settings import Settings


def crawl_limits(settings: Settings, *, max_pages: int | None = None) -> CrawlLimits:
    return CrawlLimits(
        max_pages=min(max_pages or settings.crawl_max_pages, settings.crawl_max_pages),
        max_bytes_per_page=settings.crawl_max_bytes_per_page,
        max_total_bytes=settings.crawl_max_total_bytes,
        timeout_seconds=settings.crawl_timeout_seconds,
        user_agent=settings.crawl_user_agent,
        allow_private_addresses=settings.crawl_allow_private_addresses,
    )


def crawl(url: str, *, mode: str, limits: CrawlLimits) -> CrawlResult:
    with make_client(limits) as client:
        if mode == "sitemap":
            return crawl_sitemap(url, client=client, limits=limits)
        if mode == "site":
            return crawl_site(url, client=client, limits=limits)
        return CrawlResult(pages=[fetch_page(url, client=client, limits=limits)], skipped=[])


def ingest_web_source(
    context: service.KnowledgeContext, *, workspace_id: str, source: WebSourceCreate
) -> WebSourceResult:
    limits = crawl_limits(context.settings, max_pages=source.max_pages)
    result = crawl(str(source.url), mode=source.mode, limits=limits)
    return register_pages(context, workspace_id=workspace_id, result=result, tags=source.tags)


def register_pages(
    context: service.KnowledgeContext,
    *,
    workspace_id: str,
    result: CrawlResult,
    tags: Sequence[str],
) -> WebSourceResult:
    documents: list[DocumentUploaded] = []
    skipped = [{"url": url, "reason": reason} for url, reason in result.skipped]
    for page in result.pages:
        try:
            outcome = service.ingest_bytes(
                context,
                workspace_id=workspace_id,
                data=page.content,
                filename=_filename(page.url),
                tags=tags,
                source_url=page.url,
            )
        except IngestionError as error:
            skipped.append({"url": page.url, "reason": error.message})
            continue
        documents.append(
            DocumentUploaded(document=outcome.document, deduplicated=not outcome.created)
        )
    return WebSourceResult(documents=documents, skipped=skipped)


def _filename(url: str) -> str | None:
    name = urlparse(url).path.rstrip("/").rsplit("/", 1)[-1]
    return name or None
