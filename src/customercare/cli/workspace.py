"""``ccgpt workspace``: create and list workspaces (the admin bootstrap)."""

from __future__ import annotations

import typer
from rich.table import Table

from customercare.cli.context import console, open_runtime
from customercare.db.engine import transaction
from customercare.tenancy import service as tenancy

app = typer.Typer(help="Workspaces and their API keys.", no_args_is_help=True)


@app.command("create")
def create(name: str = typer.Argument(..., help="Display name of the workspace.")) -> None:
    """Create a workspace and print its first API key (shown only once)."""
    with open_runtime() as runtime, transaction(runtime.sessions) as session:
        workspace = tenancy.create_workspace(session, name=name)
        issued = tenancy.create_api_key(session, workspace_id=workspace.id, name="default")
    console.print(f"workspace_id: {workspace.id}")
    console.print(f"api_key: {issued.secret}")
    console.print("[dim]Store the key now: it is not shown again.[/dim]")


@app.command("list")
def list_() -> None:
    """List workspaces."""
    with open_runtime() as runtime, runtime.sessions() as session:
        table = Table("id", "name", "created")
        table.columns[0].no_wrap = True
        for workspace in tenancy.list_workspaces(session):
            table.add_row(workspace.id, workspace.name, workspace.created_at.isoformat())
    console.print(table)
