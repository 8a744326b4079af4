"""The security gate: findings scored A..E, incomplete scans, the audit that did not run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from customercare.delivery.gates import Thresholds, Verdict
from tests.unit.delivery import gate_report_files as files
from tests.unit.delivery.gate_report_files import gate

CI = {"GITHUB_ACTIONS": "true"}
LOCAL: dict[str, str] = {}


@pytest.mark.parametrize(
    ("write", "letter"),
    [
        (lambda d: files.bandit_json(d, "LOW"), "B"),
        (lambda d: files.semgrep_json(d, files.semgrep_result("WARNING")), "C"),
        (lambda d: files.bandit_json(d, "HIGH", "LOW"), "D"),
        (lambda d: files.semgrep_json(d, files.semgrep_result("ERROR", impact="CRITICAL")), "E"),
        (lambda d: files.secrets_json(d, files.secret()), "D"),
        (lambda d: files.audit_json(d, files.vuln()), "D"),
        (lambda d: files.audit_json(d, files.vuln(severity="CRITICAL")), "E"),
        (lambda d: files.licenses_json(d, "gplthing"), "D"),
    ],
)
def test_security_findings_score_b_to_e_and_fail_threshold_a(
    reports: Path, thresholds: Thresholds, write: Callable[[Path], Path], letter: str
) -> None:
    write(reports)
    result = gate(reports, thresholds, "security")
    assert result.verdict is Verdict.FAIL
    assert result.measured.startswith(f"{letter} (")
    assert "worst:" in result.detail


def test_security_passes_when_the_score_meets_a_looser_threshold(
    reports: Path, thresholds: Thresholds
) -> None:
    files.semgrep_json(reports, files.semgrep_result("WARNING"))
    assert (
        gate(reports, thresholds.model_copy(update={"security_min_score": "C"}), "security").verdict
        is Verdict.PASS
    )
    assert (
        gate(reports, thresholds.model_copy(update={"security_min_score": "B"}), "security").verdict
        is Verdict.FAIL
    )


def test_clean_security_reports_score_a(reports: Path, thresholds: Thresholds) -> None:
    result = gate(reports, thresholds, "security")
    assert (result.verdict, result.measured) == (Verdict.PASS, "A")
    assert "bandit: clean" in result.detail
    assert "pip-audit: clean" in result.detail


def test_an_audit_that_did_not_run_is_not_a_pass_locally(
    reports: Path, thresholds: Thresholds
) -> None:
    files.audit_not_evaluated(reports)
    result = gate(reports, thresholds, "security", LOCAL)
    assert result.verdict is Verdict.NOT_EVALUATED
    assert result.measured == "A incomplete"
    assert "dependency audit not evaluated: no network (offline)" in result.detail


def test_an_audit_that_did_not_run_fails_in_ci(reports: Path, thresholds: Thresholds) -> None:
    files.audit_not_evaluated(reports)
    result = gate(reports, thresholds, "security", CI)
    assert result.verdict is Verdict.FAIL
    assert "not acceptable in CI" in result.detail


def test_findings_fail_even_when_the_audit_did_not_run(
    reports: Path, thresholds: Thresholds
) -> None:
    files.audit_not_evaluated(reports)
    files.bandit_json(reports, "MEDIUM")
    assert gate(reports, thresholds, "security", LOCAL).verdict is Verdict.FAIL


def test_a_missing_scanner_report_leaves_security_not_evaluated(
    reports: Path, thresholds: Thresholds
) -> None:
    (reports / "semgrep.json").unlink()
    result = gate(reports, thresholds, "security")
    assert result.verdict is Verdict.NOT_EVALUATED
    assert f"report missing: {reports / 'semgrep.json'}" in result.detail
