"""``ccgpt status``: the status monitor (probes on a schedule, incidents, notifications) and
the public status page (static files or served). Exit 2 on a usage error: a bad checks
file, an unknown component, a malformed time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from customercare.cli.context import console, fail, settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from customercare.status.service import Round, StatusConfig

app = typer.Typer(help="Status monitor and the public status page.", no_args_is_help=True)
maintenance_app = typer.Typer(help="Maintenance windows (no alerts, excluded from availability).")
incident_app = typer.Typer(help="Incidents: list them, post updates, link a postmortem.")
app.add_typer(maintenance_app, name="maintenance", no_args_is_help=True)
app.add_typer(incident_app, name="incident", no_args_is_help=True)

CONFIG_HELP = "The checks file (default: CCGPT_STATUS_CHECKS_FILE, else deploy/status/checks.toml)."


def _config(path: Path | None) -> StatusConfig:
    from customercare.status import service

    try:
        return service.load_config(path or settings().status_checks_file)
    except service.ConfigError as error:
        raise fail(str(error), code=2) from error


@contextmanager
def _database() -> Iterator[sessionmaker[Session]]:
    from customercare.db.engine import make_engine, make_session_factory
    from customercare.db.migrate import upgrade

    url = settings().resolved_database_url
    upgrade(url)
    engine = make_engine(url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def _when(value: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise fail(f"{option}: not an ISO 8601 time: {value!r}", code=2) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _print_round(result: Round) -> None:
    for seen in result.observations:
        colour = {"up": "green", "degraded": "yellow", "down": "red"}[seen.state]
        latency = f"{seen.latency_ms:.0f} ms" if seen.latency_ms is not None else "-"
        reason = f"  {seen.reason}" if seen.reason else ""
        console.print(
            f"[{colour}]{seen.state:8}[/{colour}] {seen.check_name} ({latency}){reason}",
            markup=True,
            highlight=False,
        )
    for event, delivery in zip(result.events, result.deliveries, strict=True):
        failed = f", failed: {', '.join(delivery.failed)}" if delivery.failed else ""
        sent = ", ".join(delivery.sent) or "-"
        console.print(f"incident {event.kind}: {event.headline} (sent: {sent}{failed})")


@app.command("run")
def run(
    once: bool = typer.Option(False, "--once", help="One round, then exit (for a scheduler)."),
    interval: float | None = typer.Option(
        None, "--interval", min=1, help="Seconds between rounds (default: the checks file's)."
    ),
    config_file: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Probe every check, store the results, open or resolve incidents and notify."""
    from customercare.status import service

    config = _config(config_file)
    try:
        notifiers = service.build_notifiers(settings(), config)
    except service.ConfigError as error:
        raise fail(str(error), code=2) from error
    with _database() as sessions:
        if once:
            _print_round(service.run_once(sessions, config, notifiers))
            return
        stop = threading.Event()
        try:
            service.run_forever(
                sessions,
                config,
                notifiers,
                interval=interval or config.interval_seconds,
                stop=stop,
                on_round=_print_round,
            )
        except KeyboardInterrupt:
            stop.set()


@app.command("page")
def page(
    out: Path = typer.Option(..., "--out", help="Directory for index.html and status.json."),
    config_file: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Write the status page as static files (host them anywhere)."""
    from customercare.ids import utcnow
    from customercare.status import service

    config = _config(config_file)
    with _database() as sessions, sessions() as session:
        document = service.snapshot(session, config, now=utcnow())
    try:
        written = service.write_site(document, out)
    except OSError as error:
        raise fail(f"cannot write {out}: {error.strerror}", code=2) from error
    for path in written:
        console.print(f"wrote {path}")


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8080, help="Port to listen on."),
    config_file: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Serve the status page and /status.json, rendered from the history on each request."""
    import uvicorn

    from customercare.status.router import build_page_app

    config = _config(config_file)
    with _database() as sessions:
        uvicorn.run(build_page_app(sessions, config), host=host, port=port, log_level="warning")


@maintenance_app.command("add")
def maintenance_add(
    reason: str = typer.Option(..., "--reason", help="Shown on the status page."),
    component: str | None = typer.Option(
        None, "--component", help="A component id (default: every component)."
    ),
    start: str | None = typer.Option(None, "--start", help="ISO 8601 time (default: now)."),
    end: str | None = typer.Option(None, "--end", help="ISO 8601 time."),
    minutes: float | None = typer.Option(
        None, "--minutes", min=1, help="Length, instead of --end."
    ),
    config_file: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Plan a maintenance window."""
    from customercare.db.engine import transaction
    from customercare.errors import AppError
    from customercare.ids import utcnow
    from customercare.status import service

    config = _config(config_file)
    if component is not None:
        try:
            config.component(component)
        except service.ConfigError as error:
            raise fail(str(error), code=2) from error
    starts = _when(start, "--start") if start else utcnow()
    if (end is None) == (minutes is None):
        raise fail("give exactly one of --end and --minutes", code=2)
    ends = _when(end, "--end") if end else starts + timedelta(minutes=minutes or 0)
    with _database() as sessions:
        try:
            with transaction(sessions) as session:
                window = service.add_maintenance(
                    session,
                    config,
                    starts_at=starts,
                    ends_at=ends,
                    reason=reason,
                    component=component,
                )
                window_id = window.id
        except AppError as error:
            raise fail(error.message, code=2) from error
    scope = component or "all components"
    console.print(f"maintenance {window_id}: {scope} {starts.isoformat()} to {ends.isoformat()}")


@maintenance_app.command("list")
def maintenance_list(
    all_windows: bool = typer.Option(False, "--all", help="Past windows too."),
) -> None:
    """Current and upcoming maintenance windows."""
    from customercare.ids import utcnow
    from customercare.status import service

    with _database() as sessions, sessions() as session:
        windows = service.list_maintenance(session, now=utcnow(), include_past=all_windows)
        rows = [(w.id, w.component or "all", w.starts_at, w.ends_at, w.reason) for w in windows]
    if not rows:
        console.print("no maintenance windows")
    for window_id, scope, starts, ends, why in rows:
        console.print(
            f"{window_id}  {scope}  {starts.isoformat()} to {ends.isoformat()}  {why}", markup=False
        )


@incident_app.command("list")
def incident_list(
    open_only: bool = typer.Option(False, "--open", help="Open incidents only."),
) -> None:
    """Recent incidents, newest first."""
    from customercare.status import service

    with _database() as sessions, sessions() as session:
        rows = [
            (i.id, i.state, i.component, i.opened_at, i.title)
            for i in service.list_incidents(session, open_only=open_only)
        ]
    if not rows:
        console.print("no incidents")
    for incident_id, state, component, opened, title in rows:
        console.print(
            f"{incident_id}  {state:8}  {component}  {opened.isoformat()}  {title}", markup=False
        )


@incident_app.command("update")
def incident_update(
    incident_id: str = typer.Argument(..., help="The incident's id (ccgpt status incident list)."),
    message: str = typer.Option(..., "--message", help="What is known now (shown on the page)."),
    status: str = typer.Option(
        "investigating", "--status", help="investigating, identified, monitoring or resolved."
    ),
    postmortem: str | None = typer.Option(None, "--postmortem", help="Link to the postmortem."),
    config_file: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Post an update on an incident; --status resolved resolves it and notifies."""
    from customercare.db.engine import transaction
    from customercare.errors import AppError, NotFoundError
    from customercare.ids import utcnow
    from customercare.status import service

    config = _config(config_file)
    now = utcnow()
    with _database() as sessions:
        try:
            with transaction(sessions) as session:
                incident = service.add_update(
                    session,
                    incident_id=incident_id,
                    status=status,
                    message=message,
                    now=now,
                    postmortem_url=postmortem,
                )
                resolved_now = status == "resolved" and incident.resolved_at == now
                event = service.event_for(incident, "resolved", config) if resolved_now else None
        except NotFoundError as error:
            raise fail(error.message, code=1) from error
        except AppError as error:
            raise fail(error.message, code=2) from error
        if event is not None:
            try:
                notifiers = service.build_notifiers(settings(), config)
            except service.ConfigError as error:
                raise fail(str(error), code=2) from error
            service.notify(sessions, config, notifiers, event, now=now)
    console.print(f"incident {incident_id}: {status}")
