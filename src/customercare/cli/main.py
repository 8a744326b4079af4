"""The ``ccgpt`` command: one small module per command group."""

from __future__ import annotations

import typer

from customercare.cli import (
    apikey,
    backup,
    bench,
    db,
    deploy,
    evaluate,
    gates,
    model,
    openapi,
    status,
    user,
    workspace,
)
from customercare.cli.ask import ask, chat
from customercare.cli.demo import demo
from customercare.cli.ingest import ingest
from customercare.cli.search import search
from customercare.cli.serve import serve, worker

app = typer.Typer(
    name="ccgpt",
    help="CustomerCareGPT: answers from your own help content.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(workspace.app, name="workspace")
app.add_typer(apikey.app, name="apikey")
app.add_typer(user.app, name="user")
app.add_typer(model.app, name="model")
app.add_typer(evaluate.app, name="eval")
app.add_typer(gates.app, name="gates")
app.add_typer(bench.app, name="bench")
app.add_typer(backup.app, name="backup")
app.add_typer(status.app, name="status")
app.add_typer(deploy.app, name="deploy")
app.command()(deploy.rollback)
app.add_typer(openapi.app, name="openapi")
app.command()(serve)
app.command()(worker)
app.command()(ingest)
app.command()(search)
app.command()(ask)
app.command()(chat)
app.command()(demo)
