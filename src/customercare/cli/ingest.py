"""``ccgpt ingest``: files, folders and web sources into a workspace, with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from customercare.cli.context import (
    app_errors,
    console,
    error_console,
    fail,
    open_runtime,
    settings,
)
from customercare.cli.progress import bar
from customercare.errors import IngestionError

if TYPE_CHECKING:
    from customercare.runtime import Runtime


BATCH = 16


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.parts)
            )
        elif path.is_file():
            found.append(path)
        else:
            raise fail(f"{path} does not exist")
    return found


def ingest(
    paths: list[Path] = typer.Argument(None, help="Files or folders to ingest."),
    workspace: str = typer.Option(..., "--workspace", "-w", help="Workspace id."),
    tag: list[str] = typer.Option([], "--tag", "-t", help="Tag for every document (repeatable)."),
    url: str | None = typer.Option(None, help="A web page, site or sitemap URL instead of files."),
    mode: str = typer.Option("page", help="For --url: page, site (follow links) or sitemap."),
    max_pages: int | None = typer.Option(None, help="For --url: at most this many pages."),
) -> None:
    """Ingest documents; waits until each is ready or failed and exits 1 if any failed."""
    from customercare.jobs import InProcessJobQueue
    from customercare.knowledge import service, web_sources
    from customercare.knowledge.ingestion import ingest_documents
    from customercare.tenancy import service as tenancy

    if not paths and not url:
        raise fail("give files, folders or --url")
    # Without Redis the jobs run in this process in batches (the embedder needs full batches);
    # with Redis they go to the workers and this command waits for them.
    collected = None if settings().redis_url else InProcessJobQueue(mode="collect")
    with open_runtime(jobs="redis" if collected is None else None) as runtime, app_errors():
        if collected is not None:
            runtime.jobs = collected
        with runtime.sessions() as session:
            tenancy.get_workspace_or_raise(session, workspace_id=workspace)
        queued: list[str] = []
        failures: list[str] = []
        if url:
            limits = web_sources.crawl_limits(runtime.settings, max_pages=max_pages)
            result = web_sources.crawl(url, mode=mode, limits=limits)
            registered = web_sources.register_pages(
                runtime, workspace_id=workspace, result=result, tags=tag
            )
            queued += [item.document.id for item in registered.documents]
            if collected is not None:
                ingest_documents(runtime, collected.drain())
            failures += [f"{s['url']}: {s['reason']}" for s in registered.skipped]
        files = _files(paths or [])
        with bar() as progress:
            task = progress.add_task("ingesting", total=len(files))
            for path in files:
                try:
                    outcome = service.ingest_bytes(
                        runtime,
                        workspace_id=workspace,
                        data=path.read_bytes(),
                        filename=path.name,
                        tags=tag,
                    )
                    queued.append(outcome.document.id)
                except IngestionError as error:
                    failures.append(f"{path}: {error.message}")
                if collected is not None and len(collected.requests) >= BATCH:
                    ingest_documents(runtime, collected.drain())
                progress.advance(task)
            if collected is not None:
                ingest_documents(runtime, collected.drain())
        indexing_failures = _wait(runtime, workspace, queued)
        failures += indexing_failures
    for failure in failures:
        error_console.print(f"[red]failed[/red] {failure}")
    console.print(f"{len(queued) - len(indexing_failures)} ready, {len(failures)} failed")
    if failures:
        raise typer.Exit(1)


def _wait(runtime: Runtime, workspace: str, document_ids: list[str]) -> list[str]:
    """Wait for every document to be ready or failed, with a progress bar."""
    from customercare.knowledge import service
    from customercare.knowledge.models import DocumentStatus

    with bar() as progress:
        task = progress.add_task("indexing", total=len(document_ids))
        settled = service.wait_until_settled(
            runtime.sessions,
            workspace_id=workspace,
            document_ids=document_ids,
            poll_seconds=0.5,
            on_settled=lambda _: progress.advance(task),
        )
    return [
        f"{document.title}: {document.failure_reason}"
        for document in settled
        if document.status == DocumentStatus.failed
    ]
