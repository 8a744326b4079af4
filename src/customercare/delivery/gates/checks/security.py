"""The security gate: every scanner's findings on one scale, scored A..E like SonarQube."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from customercare.delivery.gates.checks.common import unreadable
from customercare.delivery.gates.findings import (
    Finding,
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
from customercare.delivery.gates.thresholds import ReportPaths, Thresholds
from customercare.delivery.gates.verdict import GateResult, Verdict, not_evaluated


def _scanners(paths: ReportPaths) -> tuple[tuple[str, Path, Callable[[Path], list[Finding]]], ...]:
    return (
        ("bandit", paths.bandit, read_bandit),
        ("semgrep", paths.semgrep, read_semgrep),
        ("detect-secrets", paths.secrets, read_secrets),
        ("licenses", paths.licenses, read_licenses),
    )


def security_gate(paths: ReportPaths, thresholds: Thresholds, env: Mapping[str, str]) -> GateResult:
    letter = thresholds.security_min_score
    threshold = f"{letter} or better"
    findings: list[Finding] = []
    missing: list[str] = []
    problems: list[str] = []
    notes: list[str] = []
    for tool, path, read in _scanners(paths):
        if not path.is_file():
            missing.append(str(path))
            continue
        try:
            found = read(path)
        except ReportError as error:
            problems.append(str(error))
            continue
        findings += found
        notes.append(f"{tool}: {summarize(found) or 'clean'}")
    audit_skipped = None
    if not paths.audit.is_file():
        missing.append(str(paths.audit))
    else:
        try:
            audit = read_audit(paths.audit)
        except ReportError as error:
            problems.append(str(error))
        else:
            findings += audit.findings
            audit_skipped = audit.not_evaluated_reason
            result = "not evaluated" if audit_skipped else summarize(audit.findings) or "clean"
            notes.append(f"pip-audit: {result}")
    if problems:
        return unreadable("security", threshold, problems)
    if not notes:
        return not_evaluated("security", threshold, "report missing: " + ", ".join(missing))

    score = security_score(findings)
    measured = score + (f" ({summarize(findings)})" if findings else "")
    if missing or audit_skipped:
        measured += " incomplete"  # the letter covers only the scans that ran
    worst = max(findings, key=lambda finding: finding.severity, default=None)
    if worst is not None:
        notes.append(f"worst: {worst.tool} {worst.title}")
    if missing:
        notes.append("report missing: " + ", ".join(missing))
    if audit_skipped:
        notes.append(f"dependency audit not evaluated: {audit_skipped}")
    online_ci = env.get("GITHUB_ACTIONS") == "true"
    if not score_passes(score, letter):
        verdict = Verdict.FAIL
    elif audit_skipped and online_ci:
        # In CI the network is there: an audit that did not run hides known vulnerabilities.
        verdict = Verdict.FAIL
        notes.append("an unevaluated audit is not acceptable in CI (GITHUB_ACTIONS=true)")
    elif missing or audit_skipped:
        # Locally (offline) an incomplete scan decides nothing: not a pass.
        verdict = Verdict.NOT_EVALUATED
    else:
        verdict = Verdict.PASS
    return GateResult("security", threshold, measured, verdict, "; ".join(notes))
