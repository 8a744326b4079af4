"""``ccgpt deploy ENV --version V``, ``ccgpt deploy status|history|stop ENV`` and
``ccgpt rollback ENV``: one-host blue-green deployment (docs/deployment.md)."""

from __future__ import annotations

from typing import Any

import typer
from rich import box
from rich.table import Table
from typer.core import TyperGroup

from customercare.cli.context import console, fail, settings


class _DeployGroup(TyperGroup):
    """``ccgpt deploy ENV --version V`` runs the deploy; ``status``, ``history`` and ``stop``
    are subcommands (an environment is never named like one)."""

    # Any: typer's own vendored click Context, which it does not export.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_DeployGroup,
    help="Blue-green deployment on one host: ccgpt deploy ENV --version V; status, history.",
    no_args_is_help=True,
)

Environment = typer.Argument(..., help="The environment (staging, production...).")


def _say(line: str) -> None:
    console.print(line, highlight=False)


def _configure() -> None:
    from customercare.observability.logging import configure_logging

    configure_logging(level=settings().log_level, json=settings().log_json)


def _variables(pairs: list[str]) -> dict[str, str]:
    variables = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise fail(f"--release-env wants NAME=VALUE, not {pair!r}")
        variables[name] = value
    return variables


@app.command("run", hidden=True)
def run_deploy(
    environment: str = Environment,
    version: str = typer.Option(..., "--version", "-v", help="The release to deploy."),
    port: int | None = typer.Option(
        None, "--port", help="nginx's loopback port (first deploy; the slots take the next two)."
    ),
    release_env: list[str] = typer.Option(
        [], "--release-env", help="NAME=VALUE added to this release's environment (repeatable)."
    ),
) -> None:
    """Deploy VERSION to the idle slot: backup (production), migrate, start, readiness,
    smoke tests, switch, drain, watch window; exits non-zero with the reason when it does not
    take, the live slot still serving."""
    from customercare.delivery.deploy import service as deployer

    _configure()
    try:
        outcome = deployer.deploy(
            settings(),
            environment,
            version=version,
            port=port,
            release_environment=_variables(release_env),
            say=_say,
        )
    except deployer.DeployFailed as error:
        raise fail(error.reason, code=2 if not error.changed else 1) from error
    verdict = outcome.verdict or "not watched"
    _say(f"deployed {outcome.version} to {outcome.slot} ({verdict}: {outcome.detail})")


@app.command("status")
def status(environment: str = Environment) -> None:
    """The live version, the previous (warm) one, and the slots."""
    from customercare.delivery.deploy import service as deployer

    state = deployer.current(settings(), environment)
    if state is None:
        raise fail(f"nothing was ever deployed to {environment}")
    live = f"live {state.live} ({state.live_version()})"
    _say(f"{environment}: nginx 127.0.0.1:{state.nginx_port}, {live}")
    for name, slot in state.slots.items():
        role = "live" if name == state.live else ("warm" if slot.pid else "idle")
        _say(f"  {name}: port {slot.port}, version {slot.version}, pid {slot.pid}, {role}")


@app.command("history")
def history(
    environment: str = Environment,
    limit: int = typer.Option(20, "--limit", help="How many deployments."),
    steps: bool = typer.Option(False, "--steps", help="Each deployment's steps too."),
) -> None:
    """Every deployment with its times, verdict and why."""
    from customercare.delivery.deploy import service as deployer

    rows = deployer.history(settings(), environment, limit=limit)
    table = Table(
        "started (UTC)", "kind", "version", "from", "status", "verdict", "why", box=box.SIMPLE_HEAD
    )
    for row in rows:
        table.add_row(
            row.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            row.kind,
            row.version,
            row.previous_version or "",
            row.status,
            row.verdict or "",
            row.reason or "",
        )
        if steps:
            for step in row.steps:
                table.add_row("", f"  {step.name}", "", "", step.outcome, "", step.detail or "")
    console.print(table)


@app.command("stop")
def stop(environment: str = Environment) -> None:
    """Stop nginx and both slots of ENV."""
    from customercare.delivery.deploy import service as deployer

    deployer.stop(settings(), environment)
    _say(f"{environment}: stopped")


def rollback(environment: str = Environment) -> None:
    """Switch ENV back to the warm previous release, in one command."""
    from customercare.delivery.deploy import service as deployer

    _configure()
    try:
        outcome = deployer.rollback(settings(), environment, say=_say)
    except deployer.DeployFailed as error:
        raise fail(error.reason) from error
    _say(f"rolled back {environment} to {outcome.version} ({outcome.slot})")
