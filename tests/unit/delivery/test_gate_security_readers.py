"""The security readers understand bandit, semgrep, detect-secrets, pip-audit and the licence
check, and the findings score A..E."""

from __future__ import annotations

from pathlib import Path

import pytest

from customercare.delivery.gates.findings import (
    Finding,
    Severity,
    parse_severity,
    score_passes,
    security_score,
    summarize,
)
from customercare.delivery.gates.readers import (
    ReportError,
    read_audit,
    read_bandit,
    read_licenses,
    read_secrets,
    read_semgrep,
)
from tests.unit.delivery import gate_report_files as files


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("INFO", Severity.LOW),
        ("warning", Severity.MEDIUM),
        ("ERROR", Severity.HIGH),
        ("Critical", Severity.CRITICAL),
        ("9.8", Severity.CRITICAL),
        (7.5, Severity.HIGH),
        (5, Severity.MEDIUM),
        ("2.0", Severity.LOW),
        (0, None),
        ("bogus", None),
        (True, None),
        (None, None),
    ],
)
def test_severity_words_and_cvss_numbers(value: object, expected: Severity | None) -> None:
    assert parse_severity(value) is expected


def test_score_letters_follow_the_worst_finding() -> None:
    def score(*levels: Severity) -> str:
        return security_score(Finding("t", level, "x") for level in levels)

    assert score() == "A"
    assert score(Severity.LOW, Severity.LOW) == "B"
    assert score(Severity.LOW, Severity.MEDIUM) == "C"
    assert score(Severity.HIGH, Severity.LOW) == "D"
    assert score(Severity.CRITICAL) == "E"
    assert score_passes("A", "A")
    assert score_passes("B", "C")
    assert not score_passes("C", "B")
    findings = [Finding("t", Severity.LOW, "a"), Finding("t", Severity.HIGH, "b")] * 2
    assert summarize(findings) == "2 high, 2 low"


def test_bandit_results(tmp_path: Path) -> None:
    findings = read_bandit(files.bandit_json(tmp_path, "LOW", "HIGH"))
    assert [f.severity for f in findings] == [Severity.LOW, Severity.HIGH]
    assert findings[1].title == "B602 src/customercare/x.py:11"
    assert read_bandit(files.bandit_json(tmp_path)) == []


def test_semgrep_takes_the_worst_of_severity_impact_and_security_severity(tmp_path: Path) -> None:
    path = files.semgrep_json(
        tmp_path,
        files.semgrep_result("INFO"),
        files.semgrep_result("WARNING", impact="HIGH"),
        files.semgrep_result("INFO", **{"security-severity": "9.1"}),
        files.semgrep_result("ERROR", impact="LOW"),
    )
    levels = [finding.severity for finding in read_semgrep(path)]
    assert levels == [Severity.LOW, Severity.HIGH, Severity.CRITICAL, Severity.HIGH]


def test_semgrep_skips_ignored_findings(tmp_path: Path) -> None:
    ignored = files.semgrep_result("ERROR")
    ignored["extra"]["is_ignored"] = True
    assert read_semgrep(files.semgrep_json(tmp_path, ignored)) == []


def test_detect_secrets_counts_every_secret_not_audited_false(tmp_path: Path) -> None:
    path = files.secrets_json(
        tmp_path,
        files.secret("a.py"),
        files.secret("b.py", is_secret=False),
        files.secret("b.py", is_secret=True),
    )
    findings = read_secrets(path)
    assert [f.title for f in findings] == ["Secret Keyword a.py:3", "Secret Keyword b.py:3"]
    assert {f.severity for f in findings} == {Severity.HIGH}


def test_pip_audit_vulnerabilities_are_high_unless_rated(tmp_path: Path) -> None:
    report = read_audit(files.audit_json(tmp_path, files.vuln(), files.vuln(severity="LOW")))
    assert report.not_evaluated_reason is None
    assert [f.severity for f in report.findings] == [Severity.HIGH, Severity.LOW]
    assert report.findings[0].title == "jinja2 3.1.2 GHSA-h5c8-rqwp-cp95 (fix: 3.1.3)"


def test_pip_audit_legacy_list_and_the_not_evaluated_wrapper(tmp_path: Path) -> None:
    path = tmp_path / "pip-audit.json"
    path.write_text('[{"name": "x", "version": "1", "vulns": [{"id": "PYSEC-1"}]}]')
    assert read_audit(path).findings[0].title == "x 1 PYSEC-1 (fix: no fix yet)"
    skipped = read_audit(files.audit_not_evaluated(tmp_path))
    assert skipped.not_evaluated_reason == "no network (offline)"
    assert skipped.findings == []
    path.write_text('{"status": "maybe"}')
    with pytest.raises(ReportError, match="unknown status"):
        read_audit(path)


def test_licenses_disallowed_is_high(tmp_path: Path) -> None:
    findings = read_licenses(files.licenses_json(tmp_path, "gplthing"))
    assert findings == [Finding("licenses", Severity.HIGH, "gplthing 1.0 (GPL-3.0-only)")]
    path = tmp_path / "licenses.json"
    path.write_text('[{"name": "x", "license": "MIT"}]')
    with pytest.raises(ReportError, match="'allowed' must be true or false"):
        read_licenses(path)
