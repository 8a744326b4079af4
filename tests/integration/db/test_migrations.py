"""The Alembic migrations build exactly the schema the models describe, on SQLite and (when
CCGPT_TEST_DATABASE_URL is set) on PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from customercare.db.engine import make_engine
from customercare.db.migrate import (
    alembic_config,
    current_head,
    downgrade,
    pending_model_changes,
    upgrade,
)
from customercare.db.models import Base

pytestmark = pytest.mark.migrations


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def stamped_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            revision: str | None = connection.scalar(
                text("SELECT version_num FROM alembic_version")
            )
            return revision
    finally:
        engine.dispose()


def test_upgrade_creates_every_model_table(database_url: str) -> None:
    assert not set(Base.metadata.tables) & table_names(database_url)
    upgrade(database_url)
    tables = table_names(database_url)
    missing = set(Base.metadata.tables) - tables
    assert not missing, f"tables of the models not created by the migrations: {missing}"
    assert "alembic_version" in tables
    assert stamped_revision(database_url) == current_head()


def test_models_and_migrations_agree(database_url: str) -> None:
    upgrade(database_url)
    # What autogenerate would write into a new migration: the models describe something the
    # migrations lack (or the other way round).
    assert pending_model_changes(database_url) == []


def test_upgrade_is_idempotent(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    assert stamped_revision(database_url) == current_head()


def test_columns_match_the_models(database_url: str) -> None:
    upgrade(database_url)
    engine = create_engine(database_url)
    try:
        inspector = inspect(engine)
        for name, table in Base.metadata.tables.items():
            columns = {column["name"] for column in inspector.get_columns(name)}
            assert columns == set(table.columns.keys()), name
    finally:
        engine.dispose()


def test_upgrading_keeps_existing_data(database_url: str) -> None:
    """Every migration runs against a database that holds data: rebuilding a table (SQLite's
    batch mode) must never cascade into the rows that refer to it."""
    command.upgrade(alembic_config(database_url), "0001")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO workspaces (id, name, created_at) "
                    "VALUES ('w1', 'Acme', CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO api_keys (id, workspace_id, name, prefix, key_hash, created_at) "
                    "VALUES ('k1', 'w1', 'default', 'abcd', 'hash-1', CURRENT_TIMESTAMP)"
                )
            )
        upgrade(database_url)
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT name FROM workspaces WHERE id = 'w1'")) == "Acme"
            scopes = connection.scalar(text("SELECT scopes FROM api_keys WHERE id = 'k1'"))
            # Keys from before scopes existed keep full access.
            assert "admin" in str(scopes)
    finally:
        engine.dispose()


def test_downgrade_to_base_then_upgrade_again(database_url: str) -> None:
    """Every downgrade undoes its upgrade: from head to base nothing of the models is left
    (PostgreSQL types included, or the second upgrade would trip over them), and upgrading
    again builds exactly what the models describe."""
    upgrade(database_url)
    downgrade(database_url, "base")
    assert table_names(database_url) <= {"alembic_version"}
    assert stamped_revision(database_url) is None
    upgrade(database_url)
    assert stamped_revision(database_url) == current_head()
    assert pending_model_changes(database_url) == []


def test_each_migration_steps_down_and_up_again(database_url: str) -> None:
    """One revision at a time, as a rollback of one release does it."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    upgrade(database_url)
    for revision in script.walk_revisions():  # head first
        downgrade(database_url, "-1")
        assert stamped_revision(database_url) == revision.down_revision
        upgrade(database_url, revision.revision)
        assert stamped_revision(database_url) == revision.revision
        downgrade(database_url, "-1")
    assert table_names(database_url) <= {"alembic_version"}
    upgrade(database_url)
    assert pending_model_changes(database_url) == []
