"""Status history, in one of two shapes:

- the status monitor's ``status.json`` (``"format": "ccgpt-status/1"``, written by
  ``ccgpt status page``): time-weighted availability per component over 30 days, maintenance
  excluded; the gate measures the worst component;
- a list of checks ``{"ok": bool, ...}`` or ``{"checks": [...]}``: ok / total."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from customercare.delivery.gates.measures import Availability
from customercare.delivery.gates.readers.common import (
    ReportError,
    expect_dict,
    expect_list,
    optional_number,
    read_json,
)

MONITOR_FORMAT = "ccgpt-status/1"
MONITOR_WINDOW = "30d"


def _monitor(data: dict[str, Any], name: str) -> Availability:
    worst: tuple[float, str, float, float] | None = None
    for index, item in enumerate(expect_list(data.get("components"), f"{name} components")):
        component = expect_dict(item, f"{name} components[{index}]")
        where = f"{name} components[{index}].availability.{MONITOR_WINDOW}"
        windows = expect_dict(component.get("availability"), f"{name} components[{index}]")
        window = expect_dict(windows.get(MONITOR_WINDOW), where)
        up = optional_number(window.get("up_seconds"), f"{where}.up_seconds")
        down = optional_number(window.get("down_seconds"), f"{where}.down_seconds")
        if up is None or down is None or up < 0 or down < 0:
            raise ReportError(f"{where}: up_seconds and down_seconds must be numbers >= 0")
        if up + down <= 0:
            continue  # no data for this component: it decides nothing
        percent = up * 100 / (up + down)
        if worst is None or percent < worst[0]:
            worst = (percent, str(component.get("id", index)), up, up + down)
    if worst is None:
        return Availability(ok=0, total=0)
    _, component_id, up, counted = worst
    detail = (
        f"worst component {component_id}: up {up / 3600:.2f} h of {counted / 3600:.2f} h "
        f"(time-weighted, {MONITOR_WINDOW}, maintenance excluded)"
    )
    return Availability(ok=up, total=counted, detail=detail)


def read_status(path: Path) -> Availability:
    data = read_json(path)
    if isinstance(data, dict) and data.get("format") == MONITOR_FORMAT:
        return _monitor(data, path.name)
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
