"""The CLI answers at once: ``ccgpt --help`` and ``ccgpt <group> --help`` import typer and rich,
not the database, the model, Alembic or the web stack (seconds of imports on a busy machine).
What each loads is read from ``sys.modules`` in a fresh interpreter: no timing is asserted
here (tests/performance/test_quickstart.py prints the measured times)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "alembic",
    "chromadb",
    "customercare.bootstrap",
    "customercare.runtime",
    "customercare.settings",
    "fastapi",
    "httpx",
    "numpy",
    "pydantic_settings",
    "onnxruntime",
    "sqlalchemy",
    "starlette",
    "structlog",
    "uvicorn",
)
PROBE = """
import json, sys
from customercare.cli.main import app
try:
    app(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""
GROUPS = [
    "apikey",
    "backup",
    "bench",
    "db",
    "eval",
    "gates",
    "model",
    "openapi",
    "user",
    "workspace",
]
COMMANDS = ["serve", "worker", "ingest", "search", "ask", "chat", "demo"]


def loaded_by(*args: str) -> set[str]:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    assert "Usage" in completed.stdout, completed.stdout
    modules: list[str] = json.loads(completed.stderr.strip().splitlines()[-1])
    return {name for name in modules if name.split(".")[0] in {h.split(".")[0] for h in HEAVY}}


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_the_top_level_help_imports_nothing_heavy() -> None:
    assert heavy(loaded_by("--help")) == []


@pytest.mark.parametrize("name", GROUPS + COMMANDS)
def test_a_group_or_command_help_imports_nothing_heavy(name: str) -> None:
    assert heavy(loaded_by(name, "--help")) == []
