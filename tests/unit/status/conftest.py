"""A scratch SQLite database with the status tables, and a small checks configuration."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from customercare.db.engine import make_engine, make_session_factory
from customercare.db.models import Base
from customercare.status.service import StatusConfig, parse_config

T0 = datetime(2025, 3, 1, tzinfo=UTC)
STATUS_TABLES = (
    "status_results",
    "status_incidents",
    "status_incident_updates",
    "status_maintenance",
)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'status.db'}")
    Base.metadata.create_all(engine, tables=[Base.metadata.tables[t] for t in STATUS_TABLES])
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def make_config(**notify: Any) -> StatusConfig:
    return parse_config(
        {
            "page": {"title": "Lumen status", "url": "https://status.example.test"},
            "notify": {"backoff_seconds": 0, **notify},
            "components": [
                {"id": "api", "name": "API"},
                {"id": "chat", "name": "Chat"},
            ],
            "checks": [
                {"name": "api-health", "component": "api", "url": "http://127.0.0.1:9/healthz"},
                {"name": "chat-page", "component": "chat", "url": "http://127.0.0.1:9/chat"},
            ],
        },
        source="test",
    )


@pytest.fixture
def config() -> StatusConfig:
    return make_config()
