"""The coverage gate: line coverage from coverage.xml against ``coverage_min_percent``."""

from __future__ import annotations

from customercare.delivery.gates.checks.common import limit, shown, unreadable
from customercare.delivery.gates.readers import ReportError, read_coverage
from customercare.delivery.gates.thresholds import ReportPaths, Thresholds
from customercare.delivery.gates.verdict import GateResult, Verdict, not_evaluated


def coverage_gate(paths: ReportPaths, thresholds: Thresholds) -> GateResult:
    minimum = thresholds.coverage_min_percent
    threshold = f">= {limit(minimum)}% lines"
    if not paths.coverage.is_file():
        return not_evaluated("coverage", threshold, f"report missing: {paths.coverage}")
    try:
        report = read_coverage(paths.coverage)
    except ReportError as error:
        return unreadable("coverage", threshold, [str(error)])
    passed = report.line_percent >= minimum
    detail = "line-rate x 100"
    if report.branch_percent is not None:
        detail += f"; branches {shown(report.branch_percent, fails='below')}% (not gated)"
    return GateResult(
        "coverage",
        threshold,
        f"{shown(report.line_percent, fails='below')}%",
        Verdict.PASS if passed else Verdict.FAIL,
        detail,
    )
