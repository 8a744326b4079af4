"""``ccgpt workspace``: create and list workspaces (the admin bootstrap)."""

from __future__ import annotations

import typer
from rich.table import Table

from customercare.cli.context import app_errors, console, fail, open_runtime

app = typer.Typer(help="Workspaces and their API keys.", no_args_is_help=True)


@app.command("create")
def create(
    name: str = typer.Argument(..., help="Display name of the workspace."),
    owner: str | None = typer.Option(
        None, "--owner", help="Email of an existing user (ccgpt user create) who will own it."
    ),
    plan: str = typer.Option("free", help="Plan whose quotas apply (limits/plans.toml)."),
) -> None:
    """Create a workspace and print its first API key (shown only once)."""
    from customercare.accounts import service as accounts
    from customercare.db.engine import transaction
    from customercare.tenancy import service as tenancy

    with open_runtime() as runtime, app_errors(), transaction(runtime.sessions) as session:
        if owner:
            user = accounts.get_by_email(session, email=owner)
            if user is None:
                raise fail(f"no user {owner}: create one with `ccgpt user create {owner}`")
            workspace = tenancy.create_workspace_for_user(session, name=name, user_id=user.id)
            workspace.plan = plan
        else:
            workspace = tenancy.create_workspace(session, name=name, plan=plan)
        issued = tenancy.create_api_key(session, workspace_id=workspace.id, name="default")
    console.print(f"workspace_id: {workspace.id}")
    console.print(f"api_key: {issued.secret}")
    if owner:
        console.print(f"owner: {owner}")
    console.print("[dim]Store the key now: it is not shown again.[/dim]")


@app.command("list")
def list_() -> None:
    """List workspaces."""
    from customercare.tenancy import service as tenancy

    with open_runtime() as runtime, runtime.sessions() as session:
        table = Table("id", "name", "created")
        table.columns[0].no_wrap = True
        for workspace in tenancy.list_workspaces(session):
            table.add_row(workspace.id, workspace.name, workspace.created_at.isoformat())
    console.print(table)


@app.command("update")
def update(
    workspace: str = typer.Argument(..., help="Workspace id."),
    name: str | None = typer.Option(None, help="New display name."),
    answer_threshold: float | None = typer.Option(
        None, min=0.0, max=1.0, help="Evidence (0..1) the bot needs before it answers."
    ),
    default_threshold: bool = typer.Option(
        False, "--default-threshold", help="Use the installation's default threshold again."
    ),
    allowed_domain: list[str] | None = typer.Option(
        None,
        "--allowed-domain",
        help="Origin the widget may chat from, e.g. https://shop.example (repeatable; "
        "replaces the list).",
    ),
) -> None:
    """Change a workspace's name, answer threshold or widget domains."""
    from customercare.db.engine import transaction
    from customercare.tenancy import service as tenancy

    changes: dict[str, object] = {}
    if allowed_domain:
        changes["allowed_domains"] = allowed_domain
    if name is not None:
        changes["name"] = name
    if answer_threshold is not None:
        changes["answer_threshold"] = answer_threshold
    if default_threshold:
        changes["answer_threshold"] = None
    if not changes:
        raise fail(
            "nothing to change: give --name, --answer-threshold, --default-threshold "
            "or --allowed-domain"
        )
    with open_runtime() as runtime, app_errors(), transaction(runtime.sessions) as session:
        updated = tenancy.update_workspace(session, workspace_id=workspace, changes=changes)
        threshold = updated.answer_threshold
    shown = "default" if threshold is None else f"{threshold:.2f}"
    console.print(f"{updated.name}: answer threshold {shown}")
