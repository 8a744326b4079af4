"""Run every gate against a reports directory and decide the run. Pure: the environment comes
in as a mapping, nothing is read from ``os.environ`` here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from customercare.delivery.gates.checks import (
    availability_gate,
    coverage_gate,
    performance_gates,
    security_gate,
)
from customercare.delivery.gates.thresholds import Thresholds
from customercare.delivery.gates.verdict import GateResult, Verdict


def evaluate(
    reports_dir: Path, thresholds: Thresholds, stage: str, env: Mapping[str, str]
) -> list[GateResult]:
    """Every gate, whether or not the stage requires it: one whose reports are missing is
    NOT_EVALUATED. Raises ThresholdsError for an unknown stage."""
    thresholds.required_for(stage)  # an unknown stage is a usage error, before any work
    paths = thresholds.reports.under(reports_dir)
    return [
        coverage_gate(paths, thresholds),
        security_gate(paths, thresholds, env),
        *performance_gates(paths, thresholds),
        availability_gate(paths, thresholds),
    ]


def blocking(results: Sequence[GateResult], required: Iterable[str]) -> list[str]:
    """Why the run fails: every FAIL, and every required gate that did not PASS."""
    reasons = [f"{result.name}: FAIL" for result in results if result.verdict is Verdict.FAIL]
    verdicts = {result.name: result.verdict for result in results}
    for name in required:
        verdict = verdicts.get(name)
        if verdict is None:
            reasons.append(f"{name}: required but not run")
        elif verdict is Verdict.NOT_EVALUATED:
            reasons.append(f"{name}: required but NOT_EVALUATED")
    return reasons


def overall_passed(results: Sequence[GateResult], required: Iterable[str]) -> bool:
    return not blocking(results, required)
