"""Coverage and availability at their thresholds; missing reports and stages decide the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from customercare.delivery.gates import (
    GateResult,
    Thresholds,
    ThresholdsError,
    Verdict,
    blocking,
    evaluate,
    overall_passed,
)
from customercare.delivery.gates.render import to_json, to_markdown
from tests.unit.delivery import gate_report_files as files
from tests.unit.delivery.gate_report_files import gate

LOCAL: dict[str, str] = {}


def test_everything_passes_at_release(reports: Path, thresholds: Thresholds) -> None:
    results = evaluate(reports, thresholds, "release", LOCAL)
    assert [r.name for r in results] == list(thresholds.required_for("release"))
    assert {r.verdict for r in results} == {Verdict.PASS}
    assert overall_passed(results, thresholds.required_for("release"))


@pytest.mark.parametrize(
    ("line_rate", "verdict", "measured"),
    [
        ("0.8", Verdict.PASS, "80%"),
        ("0.799", Verdict.FAIL, "79.9%"),
        ("0.79999", Verdict.FAIL, "79.99%"),
    ],
)
def test_coverage_at_80(
    reports: Path, thresholds: Thresholds, line_rate: str, verdict: Verdict, measured: str
) -> None:
    files.coverage_xml(reports, line_rate)
    result = gate(reports, thresholds, "coverage")
    # Shown rounded towards failing: a failing 79.999 never reads "80%".
    assert (result.verdict, result.measured, result.threshold) == (
        verdict,
        measured,
        ">= 80% lines",
    )


@pytest.mark.parametrize(
    ("ok", "total", "verdict", "measured"),
    [
        (1999, 2000, Verdict.PASS, "99.95%"),
        (998, 1000, Verdict.FAIL, "99.8%"),
        (999, 1000, Verdict.PASS, "99.9%"),
    ],
)
def test_availability_at_99_9(
    reports: Path, thresholds: Thresholds, ok: int, total: int, verdict: Verdict, measured: str
) -> None:
    files.status_json(reports, ok, total)
    result = gate(reports, thresholds, "availability")
    assert (result.verdict, result.measured) == (verdict, measured)
    assert result.detail == f"{ok} of {total} checks ok"


def test_an_empty_status_history_is_not_evaluated(reports: Path, thresholds: Thresholds) -> None:
    files.status_json(reports, 0, 0)
    assert gate(reports, thresholds, "availability").verdict is Verdict.NOT_EVALUATED


def test_missing_reports_are_not_evaluated(tmp_path: Path, thresholds: Thresholds) -> None:
    results = evaluate(tmp_path, thresholds, "pr", LOCAL)
    assert {r.verdict for r in results} == {Verdict.NOT_EVALUATED}
    coverage = results[0]
    assert (coverage.measured, coverage.detail) == (
        "-",
        f"report missing: {tmp_path / 'coverage.xml'}",
    )


def test_a_required_missing_gate_fails_the_run(tmp_path: Path, thresholds: Thresholds) -> None:
    files.coverage_xml(tmp_path, "0.9")
    files.clean_security(tmp_path)
    results = evaluate(tmp_path, thresholds, "pr", LOCAL)
    # Performance and availability are missing but not required for a pull request.
    assert overall_passed(results, thresholds.required_for("pr"))
    assert not overall_passed(results, thresholds.required_for("release"))
    assert blocking(results, ["availability"]) == ["availability: required but NOT_EVALUATED"]
    assert blocking(results, ["nonexistent"]) == ["nonexistent: required but not run"]


def test_a_failing_gate_fails_the_run_even_when_not_required(
    tmp_path: Path, thresholds: Thresholds
) -> None:
    files.coverage_xml(tmp_path, "0.9")
    files.clean_security(tmp_path)
    files.k6_json(tmp_path, p95=2500)
    results = evaluate(tmp_path, thresholds, "pr", LOCAL)
    assert blocking(results, thresholds.required_for("pr")) == ["performance_p95: FAIL"]


def test_an_unknown_stage_is_refused(tmp_path: Path, thresholds: Thresholds) -> None:
    with pytest.raises(ThresholdsError, match="unknown stage"):
        evaluate(tmp_path, thresholds, "staging", LOCAL)


def test_json_and_markdown_views(tmp_path: Path, thresholds: Thresholds) -> None:
    files.coverage_xml(tmp_path, "0.5")
    results = evaluate(tmp_path, thresholds, "pr", LOCAL)
    required = thresholds.required_for("pr")
    document = json.loads(to_json(results, required, "pr", passed=False))
    assert document["passed"] is False
    assert document["stage"] == "pr"
    assert document["gates"][0] == {
        "name": "coverage",
        "threshold": ">= 80% lines",
        "measured": "50%",
        "verdict": "FAIL",
        "detail": "line-rate x 100; branches 70% (not gated)",
        "required": True,
    }
    assert document["gates"][2]["required"] is False
    markdown = to_markdown(
        [GateResult("a|b", "t", "m", Verdict.PASS, "")], ["a|b"], "pr", passed=True
    )
    assert "| a\\|b * | t | m | ✅ PASS |   |" in markdown
    assert markdown.startswith("### Quality gates (stage `pr`): ✅ passed")
