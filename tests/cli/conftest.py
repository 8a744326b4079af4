"""The environment every ``ccgpt`` command test runs in (see tests.support.cli)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import cli_environment


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh data directory, the only one the commands of the test see."""
    directory = tmp_path / "data"
    directory.mkdir()
    with cli_environment(monkeypatch, directory):
        yield directory
