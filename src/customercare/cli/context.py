"""What every command shares: the settings, a runtime built on demand, the console.

The CLI answers at once: ``ccgpt --help`` and ``ccgpt <group> --help`` import typer and rich
only. The settings (pydantic), the runtime (the database, Chroma, the model), Alembic and the
web stack are imported inside the commands that use them (tests/unit/core/test_architecture.py
lists each such import; tests/cli/test_cli_imports.py checks what ``--help`` loads)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from customercare.errors import AppError

if TYPE_CHECKING:
    from customercare.bootstrap import JobMode
    from customercare.runtime import Runtime
    from customercare.settings import Settings

console = Console()
error_console = Console(stderr=True)


def settings() -> Settings:
    from customercare.settings import get_settings

    return get_settings()


@contextmanager
def open_runtime(*, jobs: JobMode | None = None, migrate: bool = True) -> Iterator[Runtime]:
    from customercare.bootstrap import build_runtime
    from customercare.db.migrate import upgrade
    from customercare.observability.logging import configure_logging

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
