"""Fixtures for the quality-gate tests: the repository's thresholds, a passing reports dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from customercare.delivery.gates import Thresholds, load_thresholds
from tests.unit.delivery import gate_report_files as files


@pytest.fixture
def thresholds() -> Thresholds:
    return load_thresholds(files.REPO_THRESHOLDS)


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """A reports directory where every gate passes; tests overwrite one report to fail it."""
    files.all_passing(tmp_path)
    return tmp_path
