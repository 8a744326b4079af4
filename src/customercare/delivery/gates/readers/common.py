"""What every report reader shares: one error type and careful JSON access."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any


class ReportError(Exception):
    """A report exists but cannot be understood: the gate fails rather than guessing."""


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ReportError(f"cannot read {path.name}: {error.strerror}") from error
    except ValueError as error:
        raise ReportError(f"{path.name} is not valid JSON: {error}") from error


def expect_dict(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ReportError(f"{where}: expected an object")
    return value


def expect_list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ReportError(f"{where}: expected a list")
    return value


def optional_number(value: object, where: str) -> float | None:
    """A finite number, None when absent; anything else is a broken report."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ReportError(f"{where}: expected a number, got {value!r}")
    return float(value)
