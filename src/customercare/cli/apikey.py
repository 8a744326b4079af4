"""``ccgpt apikey``: create, list and revoke a workspace's API keys."""

from __future__ import annotations

from datetime import datetime

import typer
from rich import box
from rich.table import Table

from customercare.cli.context import app_errors, console, fail, open_runtime
from customercare.tenancy.permissions import Scope

app = typer.Typer(help="A workspace's API keys.", no_args_is_help=True)

WorkspaceOption = typer.Option(..., "--workspace", "-w", help="Workspace id.")
SCOPES = ", ".join(scope.value for scope in Scope)


@app.command("create")
def create(
    workspace: str = WorkspaceOption,
    name: str = typer.Option(..., "--name", help="What the key is for."),
    scope: list[str] = typer.Option(
        [],
        "--scope",
        help=f"Repeatable; one of {SCOPES}. Default: chat.",
    ),
    publishable: bool = typer.Option(
        False, "--publishable", help="A widget key: chat only, from the allowed domains only."
    ),
) -> None:
    """Create a key and print its secret (shown only once)."""
    from customercare.db.engine import transaction
    from customercare.tenancy import service as tenancy
    from customercare.tenancy.service import Scope

    known = {s.value for s in Scope}
    unknown = [value for value in scope if value not in known]
    if unknown:
        raise fail(f"unknown scope {', '.join(unknown)}; choose from {', '.join(sorted(known))}")
    with open_runtime() as runtime, app_errors(), transaction(runtime.sessions) as session:
        issued = tenancy.create_api_key(
            session,
            workspace_id=workspace,
            name=name,
            scopes=scope or [Scope.chat],
            publishable=publishable,
            via="cli",
        )
        key = issued.key
        summary = f"{key.id} ({key.kind}, scopes: {', '.join(key.scopes)})"
    console.print(f"key_id: {summary}")
    console.print(f"api_key: {issued.secret}")
    console.print("[dim]Store the key now: it is not shown again.[/dim]")


@app.command("list")
def list_(workspace: str = WorkspaceOption) -> None:
    """List keys (never their secrets)."""
    from customercare.tenancy import service as tenancy

    with open_runtime() as runtime, app_errors(), runtime.sessions() as session:
        tenancy.get_workspace_or_raise(session, workspace_id=workspace)
        table = Table(
            "id / name (prefix)",
            "kind / scopes",
            "created\nlast used\nrevoked",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
        )
        # Each row is a small block, so that the table fits 80 columns with every id whole.
        for column in table.columns:
            column.overflow = "fold"
        table.columns[0].min_width = 32  # a key id on one line, ready to copy
        for key in tenancy.list_api_keys(session, workspace_id=workspace):
            table.add_row(
                f"{key.id}\n{key.name} ({key.prefix})",
                f"{key.kind}\n{', '.join(key.scopes)}",
                "\n".join(
                    _when(moment) for moment in (key.created_at, key.last_used_at, key.revoked_at)
                ),
            )
    console.print(table)


@app.command("revoke")
def revoke(
    key_id: str = typer.Argument(..., help="The key's id (from `ccgpt apikey list`)."),
    workspace: str = WorkspaceOption,
) -> None:
    """Revoke a key at once."""
    from customercare.db.engine import transaction
    from customercare.tenancy import service as tenancy

    with open_runtime() as runtime, app_errors(), transaction(runtime.sessions) as session:
        tenancy.revoke_api_key(session, workspace_id=workspace, key_id=key_id, via="cli")
    console.print(f"revoked {key_id}")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"
