"""Status-check history: a list of checks ``{"ok": bool, ...}`` or ``{"checks": [...]}``."""

from __future__ import annotations

from pathlib import Path

from customercare.delivery.gates.measures import Availability
from customercare.delivery.gates.readers.common import (
    ReportError,
    expect_dict,
    expect_list,
    read_json,
)


def read_status(path: Path) -> Availability:
    data = read_json(path)
    checks = expect_list(
        expect_dict(data, path.name).get("checks") if isinstance(data, dict) else data,
        f"{path.name} checks",
    )
    ok = 0
    for index, item in enumerate(checks):
        passed = expect_dict(item, f"{path.name} checks[{index}]").get("ok")
        if not isinstance(passed, bool):
            raise ReportError(f"{path.name} checks[{index}]: 'ok' must be true or false")
        ok += passed
    return Availability(ok=ok, total=len(checks))
