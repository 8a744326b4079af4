"""``ccgpt search``: ranked passages of a workspace, as a table or JSON."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from customercare.cli.context import app_errors, console, open_runtime


def search(
    query: str = typer.Argument(..., help="The question or keywords."),
    workspace: str = typer.Option(..., "--workspace", "-w", help="Workspace id."),
    limit: int = typer.Option(10, min=1, max=100),
    mode: str = typer.Option("hybrid", help="hybrid, bm25 or dense."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Show the passages a question retrieves, with scores and citation fields."""
    from customercare.search import service
    from customercare.search.router import to_public
    from customercare.tenancy import service as tenancy

    if mode not in ("hybrid", "bm25", "dense"):
        raise typer.BadParameter("mode must be hybrid, bm25 or dense", param_hint="--mode")
    with open_runtime() as runtime, app_errors(), runtime.sessions() as session:
        # An unknown id would otherwise look like a workspace with no matching passages.
        tenancy.get_workspace_or_raise(session, workspace_id=workspace)
        result = service.search(
            runtime,
            session,
            workspace_id=workspace,
            query=query,
            limit=limit,
            mode=mode,  # type: ignore[arg-type]
        )
    hits = [to_public(hit) for hit in result.hits]
    if as_json:
        console.print_json(json.dumps([hit.model_dump() for hit in hits]))
        return
    table = Table("#", "score", "title / section", "page", "passage", show_lines=True)
    for hit in hits:
        where = hit.citation.title + (f" / {hit.citation.section}" if hit.citation.section else "")
        table.add_row(
            str(hit.rank),
            f"{hit.score:.4f}",
            where,
            str(hit.citation.page or ""),
            hit.text[:300],
        )
    console.print(table)
    if not hits:
        console.print("no passages found")
