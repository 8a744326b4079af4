"""What every command shares: the settings, a runtime built on demand, the console."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from customercare.bootstrap import JobMode, build_runtime
from customercare.db.migrate import upgrade
from customercare.errors import AppError
from customercare.observability.logging import configure_logging
from customercare.runtime import Runtime
from customercare.settings import Settings, get_settings

console = Console()
error_console = Console(stderr=True)


def settings() -> Settings:
    return get_settings()


@contextmanager
def open_runtime(*, jobs: JobMode | None = None, migrate: bool = True) -> Iterator[Runtime]:
    current = settings()
    configure_logging(level="WARNING", json=current.log_json)
    if migrate:
        upgrade(current.resolved_database_url)
    runtime = build_runtime(current, jobs=jobs)
    try:
        yield runtime
    finally:
        runtime.close()


def fail(message: str, *, code: int = 1) -> typer.Exit:
    error_console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


@contextmanager
def app_errors() -> Iterator[None]:
    """Turn the application's errors into a message and a non-zero exit."""
    try:
        yield
    except AppError as error:
        raise fail(f"{error.message} ({error.code})") from error
