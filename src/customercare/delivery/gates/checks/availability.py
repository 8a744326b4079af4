"""The availability gate: the status history's availability (time-weighted for the status
monitor's ``status.json``, else the share of successful checks) against the minimum."""

from __future__ import annotations

from customercare.delivery.gates.checks.common import limit, shown, unreadable
from customercare.delivery.gates.readers import ReportError, read_status
from customercare.delivery.gates.thresholds import ReportPaths, Thresholds
from customercare.delivery.gates.verdict import GateResult, Verdict, not_evaluated


def availability_gate(paths: ReportPaths, thresholds: Thresholds) -> GateResult:
    minimum = thresholds.availability_min_percent
    threshold = f">= {limit(minimum)}%"
    if not paths.status.is_file():
        return not_evaluated("availability", threshold, f"report missing: {paths.status}")
    try:
        history = read_status(paths.status)
    except ReportError as error:
        return unreadable("availability", threshold, [str(error)])
    if history.total == 0:
        # An empty history measures nothing; 0 of 0 is neither 0% nor 100%.
        return not_evaluated(
            "availability", threshold, f"no checks (or no measured time) in {paths.status}"
        )
    return GateResult(
        "availability",
        threshold,
        f"{shown(history.percent, fails='below')}%",
        Verdict.PASS if history.percent >= minimum else Verdict.FAIL,
        history.describe(),
    )
