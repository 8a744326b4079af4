"""The ``ccgpt`` command driven in-process through its real typer app, on the embedded backend
(a SQLite file and an embedded Chroma) in a data directory of the test's own, whatever backend
the rest of the suite runs on."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import structlog
from click.testing import Result
from typer.testing import CliRunner

from customercare.cli.main import app
from customercare.settings import get_settings

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Variables that would switch a part to a production server, change answers, or skew the output.
UNSET = (
    "DATABASE_URL",
    "REDIS_URL",
    "CHROMA_URL",
    "CCGPT_DATABASE_URL",
    "CCGPT_REDIS_URL",
    "CCGPT_CHROMA_URL",
    "CCGPT_ANSWER_THRESHOLD",
    "CCGPT_ANSWER_PROVIDER",
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
)


@contextmanager
def cli_environment(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Iterator[Path]:
    """Commands run against ``data_dir`` and nothing the environment points elsewhere. Every
    command configures structlog and the root logger: both are left as they were."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CCGPT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COLUMNS", "250")  # wide enough that table cells are never cut
    monkeypatch.chdir(data_dir)  # no stray .env file is read
    get_settings.cache_clear()
    try:
        yield data_dir
    finally:
        get_settings.cache_clear()
        structlog.reset_defaults()
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


def invoke(*args: str, input: str | None = None) -> Result:
    """Run ``ccgpt ARGS``; an exception other than the command's own exit is re-raised."""
    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args), input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def output(result: Result) -> str:
    """Everything the command wrote (stdout and stderr), without any terminal styling."""
    return ANSI.sub("", result.output)
