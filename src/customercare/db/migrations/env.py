"""Alembic environment: online migrations only, with lock and statement timeouts on PostgreSQL
so that a migration never queues forever behind live traffic."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from customercare.db.engine import make_engine
from customercare.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("sqlalchemy.url must be set")
    engine = make_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch mode rebuilds a table as copy, drop, rename: with foreign keys enforced the
            # drop would cascade into every row that refers to it. Off for the migration only
            # (the pragma is ignored inside a transaction, so it is set before one begins).
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET lock_timeout = '5s'"))
            connection.execute(text("SET statement_timeout = '120s'"))
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
