"""``ccgpt user``: create people's accounts (the admin bootstrap)."""

from __future__ import annotations

import sys

import typer

from customercare.cli.context import app_errors, console, fail, open_runtime

app = typer.Typer(help="People's accounts.", no_args_is_help=True)


@app.command("create")
def create(
    email: str = typer.Argument(..., help="The person's email address (their sign-in name)."),
    name: str = typer.Option("", help="Display name."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (one line)."
    ),
) -> None:
    """Create an account with a verified email address (an administrator vouches for it)."""
    from customercare.accounts import service as accounts
    from customercare.db.engine import transaction

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise fail("a password is required")
    with open_runtime() as runtime, app_errors(), transaction(runtime.sessions) as session:
        user = accounts.create_user(
            session,
            settings=runtime.settings,
            email=email,
            password=password,
            name=name,
            verified=True,
        )
        user_id, address = user.id, user.email
    console.print(f"user_id: {user_id}")
    console.print(f"email: {address}")
