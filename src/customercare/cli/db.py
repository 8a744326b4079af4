"""``ccgpt db``: schema migrations."""

from __future__ import annotations

import typer

from customercare.cli.context import console, settings

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the database to the latest schema (or REVISION)."""
    from customercare.db import migrate

    url = settings().resolved_database_url
    migrate.upgrade(url, revision)
    console.print(f"database at revision {revision}")
