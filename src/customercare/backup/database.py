"""The database half of a backup, per dialect.

- **SQLite**: the online backup API copies the live file into the archive's copy (a
  consistent snapshot while the service runs). A restore checks the copy
  (``PRAGMA integrity_check``) and copies it into the target with the same API in one step,
  which is one write transaction of the target: all of it or nothing.
- **PostgreSQL**: ``pg_dump --format=custom`` inside a REPEATABLE READ transaction whose
  snapshot is exported, so the counts and the chunk ids the manifest records are those of
  the dump exactly. A restore turns the dump into SQL (``pg_restore --file``) and runs it with
  ``psql --single-transaction`` after dropping and recreating the ``public`` schema: the
  target changes in one transaction or not at all."""

from __future__ import annotations

import os
import sqlite3
import subprocess  # nosec B404 - pg_dump, pg_restore and psql with argument lists
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import make_url

from customercare.backup.errors import BackupCorrupted, BackupError

__all__ = [
    "DatabaseState",
    "dialect_of",
    "read_state",
    "restore",
    "scratch_copy",
    "snapshot",
    "target_state",
]

MEMBER = {"sqlite": "database/sqlite.db", "postgresql": "database/postgresql.dump"}
VERSION_TABLE = "alembic_version"
RESET_SCHEMA = "DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"


@dataclass(slots=True)
class DatabaseState:
    tables: dict[str, int] = field(default_factory=dict)
    revision: str | None = None
    workspaces: list[str] = field(default_factory=list)
    chunks: dict[str, list[str]] = field(default_factory=dict)
    uploads: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(n for name, n in self.tables.items() if name != VERSION_TABLE)


def dialect_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in MEMBER:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def read_state(connection: Connection, *, chunks: bool = True) -> DatabaseState:
    state = DatabaseState()
    names = sorted(inspect(connection).get_table_names())
    for name in names:
        # Table names from the database's own catalogue, quoted: no input reaches the SQL.
        count = text(f'SELECT count(*) FROM "{name}"')  # noqa: S608  # nosec B608  # nosemgrep
        state.tables[name] = int(connection.execute(count).one()[0])
    if VERSION_TABLE in names:
        state.revision = connection.execute(
            text("SELECT version_num FROM alembic_version")
        ).scalar()
    if "workspaces" in names:
        state.workspaces = list(
            connection.execute(text("SELECT id FROM workspaces ORDER BY id")).scalars()
        )
    if chunks and "chunks" in names:
        rows = connection.execute(
            text("SELECT workspace_id, id FROM chunks ORDER BY workspace_id, id")
        )
        for workspace_id, chunk_id in rows:
            state.chunks.setdefault(workspace_id, []).append(chunk_id)
    if "document_contents" in names:
        count, size = connection.execute(
            text("SELECT count(*), coalesce(sum(length(data)), 0) FROM document_contents")
        ).one()
        state.uploads = {"count": int(count), "bytes": int(size)}
    return state


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _read_sqlite(path: Path, *, chunks: bool = True) -> DatabaseState:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return read_state(connection, chunks=chunks)
    finally:
        engine.dispose()


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment that carries the password
    (never on a command line another user can read)."""
    parsed = make_url(url)
    environment = dict(os.environ)
    if parsed.password is not None:
        environment["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


def _run(arguments: list[str], environment: dict[str, str]) -> None:
    try:
        completed = subprocess.run(  # noqa: S603  # nosec B603: fixed tools, argument list
            arguments, env=environment, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise BackupError(
            f"{arguments[0]} is not installed (PostgreSQL client tools are needed)"
        ) from error
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        raise BackupError(f"{arguments[0]} failed: {' '.join(detail)}")


def snapshot(url: str, directory: Path) -> tuple[str, DatabaseState]:
    """Write the database's member under ``directory``; return its name and the state of the
    very snapshot it holds."""
    dialect = dialect_of(url)
    member = directory / MEMBER[dialect]
    member.parent.mkdir(parents=True, exist_ok=True)
    if dialect == "sqlite":
        source = _sqlite_path(url)
        if not source.exists():
            raise BackupError(f"there is no database at {source}")
        with (
            closing(sqlite3.connect(source, timeout=30)) as live,
            closing(sqlite3.connect(member)) as copy,
        ):
            live.backup(copy)
        return MEMBER[dialect], _read_sqlite(member)
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as connection, connection.begin():
            exported = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            state = read_state(connection)
            target, environment = _libpq(url)
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={exported}",
                    f"--file={member}",
                    f"--dbname={target}",
                ],
                environment,
            )
    finally:
        engine.dispose()
    return MEMBER[dialect], state


def target_state(url: str) -> DatabaseState:
    """What the target holds now (no chunk ids): an absent SQLite file holds nothing."""
    if dialect_of(url) == "sqlite" and not _sqlite_path(url).exists():
        return DatabaseState()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return read_state(connection, chunks=False)
    finally:
        engine.dispose()


def _check_sqlite(path: Path) -> None:
    try:
        with closing(sqlite3.connect(path)) as connection:
            result = connection.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupCorrupted(f"the archived SQLite database is damaged: {error}") from error
    if not result or result[0] != "ok":
        raise BackupCorrupted(f"the archived SQLite database is damaged: {result}")


def restore(url: str, member: Path) -> None:
    """Replace the database at ``url`` with the archived one, in one transaction."""
    if dialect_of(url) == "sqlite":
        _check_sqlite(member)
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with (
            closing(sqlite3.connect(member)) as source,
            closing(sqlite3.connect(target, timeout=30)) as live,
        ):
            source.backup(live)  # one step: one write transaction of the target
        return
    script = member.with_suffix(".sql")
    reset = member.with_suffix(".reset.sql")
    reset.write_text(RESET_SCHEMA)
    try:
        _run(
            ["pg_restore", "--no-owner", "--no-privileges", f"--file={script}", str(member)],
            dict(os.environ),
        )
        database, environment = _libpq(url)
        _run(
            [
                "psql",
                "--no-psqlrc",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--single-transaction",
                f"--file={reset}",
                f"--file={script}",
                f"--dbname={database}",
            ],
            environment,
        )
    finally:
        script.unlink(missing_ok=True)
        reset.unlink(missing_ok=True)


@contextmanager
def scratch_copy(url: str, member: Path) -> Iterator[DatabaseState]:
    """Restore the archived database into a scratch database (a scratch file for SQLite, a
    database created and dropped on the same PostgreSQL server) and yield its state."""
    if dialect_of(url) == "sqlite":
        _check_sqlite(member)
        yield _read_sqlite(member)
        return
    name = f"ccgpt_verify_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            # A name made here (ccgpt_verify_ + hex): no input reaches the SQL.
            connection.execute(text(f'CREATE DATABASE "{name}"'))  # nosemgrep
        scratch = make_url(url).set(database=name).render_as_string(hide_password=False)
        try:
            restore(scratch, member)
            engine = create_engine(scratch)
            try:
                with engine.connect() as connection:
                    yield read_state(connection)
            finally:
                engine.dispose()
        finally:
            with admin.connect() as connection:
                drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'  # nosemgrep
                connection.execute(text(drop))  # nosemgrep
    finally:
        admin.dispose()
