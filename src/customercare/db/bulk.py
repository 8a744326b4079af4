"""Many rows into one table inside the current transaction, as fast as the database allows:
PostgreSQL's COPY (one stream instead of a statement per batch of rows), a plain executemany
elsewhere. Ingestion writes a row per passage and one per distinct term of each passage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from customercare.db.base import Base

EXECUTEMANY_BATCH = 5000


def insert_rows(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (column name -> value; every row has the same keys) into ``model``'s
    table, bypassing the ORM: no objects are created or tracked."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy(connection.connection.driver_connection, model.__tablename__, rows)
        return
    statement = insert(model)
    for start in range(0, len(rows), EXECUTEMANY_BATCH):
        # On the connection, not the session: a Core executemany, without ORM bookkeeping.
        connection.execute(statement, list(rows[start : start + EXECUTEMANY_BATCH]))


def _copy(driver_connection: Any, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    columns = list(rows[0])
    # Identifiers from our own table metadata, never from input.
    statement = f"COPY {_quote(table)} ({', '.join(_quote(c) for c in columns)}) FROM STDIN"
    try:
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] for name in columns])
    except psycopg.Error as error:
        # The same exception classes as a statement run through SQLAlchemy (IntegrityError...).
        raise DBAPIError.instance(statement, None, error, psycopg.Error) from error


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
