"""``pip-audit -f json``, or the wrapper written when the audit could not run:
``{"status": "not_evaluated", "reason": "..."}``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from customercare.delivery.gates.findings import Finding, Severity, parse_severity
from customercare.delivery.gates.readers.common import (
    ReportError,
    expect_dict,
    expect_list,
    read_json,
)


@dataclass(frozen=True)
class AuditReport:
    findings: list[Finding] = field(default_factory=list)
    not_evaluated_reason: str | None = None  # set when the audit did not run


def read_audit(path: Path) -> AuditReport:
    data = read_json(path)
    if isinstance(data, dict) and "status" in data:
        if data["status"] != "not_evaluated":
            raise ReportError(f"{path.name}: unknown status {data['status']!r}")
        return AuditReport(not_evaluated_reason=str(data.get("reason") or "no reason given"))
    # pip-audit >= 2 writes {"dependencies": [...], "fixes": [...]}; older versions a bare list.
    if isinstance(data, list):
        dependencies: object = data
    else:
        dependencies = expect_dict(data, path.name).get("dependencies")
    findings = []
    for index, item in enumerate(expect_list(dependencies, f"{path.name} dependencies")):
        dependency = expect_dict(item, f"{path.name} dependencies[{index}]")
        # A skipped dependency (not on PyPI) has "skip_reason" and no "vulns".
        for vuln in expect_list(dependency.get("vulns", []), f"{path.name} vulns"):
            vuln = expect_dict(vuln, f"{path.name} vulns")
            # pip-audit does not rate severity: a known vulnerability is high unless told.
            severity = parse_severity(vuln.get("severity")) or Severity.HIGH
            fixes = ", ".join(str(v) for v in vuln.get("fix_versions") or []) or "no fix yet"
            title = (
                f"{dependency.get('name', '?')} {dependency.get('version', '?')}"
                f" {vuln.get('id', '?')} (fix: {fixes})"
            )
            findings.append(Finding("pip-audit", severity, title))
    return AuditReport(findings=findings)
