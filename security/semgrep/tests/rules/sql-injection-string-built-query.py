# ruff: noqa
# Deliberately insecure code: the fixture of a Semgrep rule test, never imported or run.
"""Rule test: sql-injection-string-built-query."""

import psycopg.sql
import sqlalchemy
from sqlalchemy import select, text


def queries(connection, cursor, users, table, user_id, name, columns):
    # ruleid: sql-injection-string-built-query
    connection.execute(text(f"SELECT * FROM {table} WHERE id = {user_id}"))
    # ruleid: sql-injection-string-built-query
    cursor.execute("SELECT * FROM users WHERE name = '%s'" % name)
    # ruleid: sql-injection-string-built-query
    cursor.execute("SELECT * FROM users WHERE name = '" + name + "'")
    # ruleid: sql-injection-string-built-query
    cursor.execute("SELECT * FROM users WHERE name = '{}'".format(name))
    # ruleid: sql-injection-string-built-query
    connection.exec_driver_sql(f"DELETE FROM {table}")
    # ruleid: sql-injection-string-built-query
    sqlalchemy.text("SELECT * FROM " + table)

    query = f"SELECT * FROM users WHERE id = {user_id}"
    # ruleid: sql-injection-string-built-query
    cursor.execute(query)
    listing = "SELECT " + ", ".join(columns) + " FROM users"
    # ruleid: sql-injection-string-built-query
    cursor.execute(listing)

    # ok: sql-injection-string-built-query
    connection.execute(text("SELECT * FROM users WHERE id = :id"), {"id": user_id})
    # ok: sql-injection-string-built-query
    cursor.execute("SELECT * FROM users WHERE name = %s", (name,))
    # ok: sql-injection-string-built-query
    connection.execute(text("SET lock_timeout = '5s'"))
    # ok: sql-injection-string-built-query
    cursor.execute("SELECT * FROM users WHERE name = %(name)s", {"name": f"{name}%"})
    # ok: sql-injection-string-built-query
    connection.exec_driver_sql("SELECT 1")
    # ok: sql-injection-string-built-query
    connection.execute(select(users).where(users.c.name.like(f"{name}%")))
    # ok: sql-injection-string-built-query
    connection.execute(psycopg.sql.SQL("SELECT * FROM {}").format(psycopg.sql.Identifier(table)))


def fixture(engine, name):
    with engine.connect() as connection:
        # ruleid: sql-injection-string-built-query
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield name
    with engine.connect() as connection:
        # ruleid: sql-injection-string-built-query
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
