"""Engine and session factory for SQLite (embedded) and PostgreSQL (production), the one way
to run a transaction, and ``after_commit`` for side effects that must follow a commit.

A database that does not answer (restarting, unreachable, pool exhausted) surfaces as
``errors.DatabaseUnavailable`` (503 with Retry-After) from ``transaction`` and
``unavailable_error``; ``pool_pre_ping`` replaces the connections a restart killed, so the
pool recovers by itself on the next checkout."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from customercare.errors import DatabaseUnavailable

__all__ = [
    "after_commit",
    "is_unavailable",
    "make_engine",
    "make_session_factory",
    "transaction",
    "unavailable_error",
]

_AFTER_COMMIT = "ccgpt_after_commit"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # pool_timeout: a request waits at most this long for a connection, then gets a 503.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, pool_timeout=10)


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # WAL lets readers see a consistent snapshot while the worker swaps a document's chunks.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def is_unavailable(error: BaseException) -> bool:
    """True when ``error`` says the database does not answer rather than that the statement
    is wrong: a lost or refused connection, a server shutting down or starting up, a pool
    with no free connection, or an already translated ``DatabaseUnavailable``."""
    if isinstance(error, DatabaseUnavailable | sa_exc.TimeoutError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        return error.connection_invalidated or isinstance(
            error, sa_exc.OperationalError | sa_exc.InterfaceError
        )
    return False


def unavailable_error(error: BaseException) -> DatabaseUnavailable | None:
    """The ``DatabaseUnavailable`` to raise instead of ``error``, or None if it is not one."""
    if isinstance(error, DatabaseUnavailable):
        return error
    return DatabaseUnavailable() if is_unavailable(error) else None


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits on success and rolls back on any error. A database that
    does not answer raises ``DatabaseUnavailable`` (an ``AppError``: 503, Retry-After)."""
    try:
        with factory() as session, session.begin():
            yield session
    except Exception as error:
        translated = unavailable_error(error)
        if translated is None or translated is error:
            raise
        raise translated from error


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's current transaction has committed, and never if
    it rolls back: a job is enqueued, a vector deleted or a mail sent only for a change
    that is really there. Callbacks run in order; the first error is raised after all ran."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks: list[Callable[[], None]] = session.info.pop(_AFTER_COMMIT, [])
    failure: Exception | None = None
    for callback in callbacks:
        try:
            callback()
        except Exception as error:
            failure = failure or error
    if failure is not None:
        raise failure


@event.listens_for(Session, "after_rollback")
def _forget_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
