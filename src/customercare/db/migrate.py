"""Run Alembic migrations programmatically (``ccgpt db upgrade``, app start-up, tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from customercare.db.engine import make_engine
from customercare.db.models import Base

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on '%' in passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def pending_model_changes(database_url: str) -> list[Any]:
    """What autogenerate would put in a new migration for the database at ``database_url``:
    empty when the migrations applied there build exactly what the models describe."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            # The options env.py gives autogenerate.
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def current_head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def knows_revision(revision: str) -> bool:
    """True when ``revision`` is one of this release's migrations."""
    try:
        script = ScriptDirectory.from_config(alembic_config("sqlite://"))
        return script.get_revision(revision) is not None
    except Exception:
        return False
