"""``bandit -f json``: ``results[].issue_severity`` is LOW, MEDIUM or HIGH."""

from __future__ import annotations

from pathlib import Path

from customercare.delivery.gates.findings import Finding, parse_severity
from customercare.delivery.gates.readers.common import (
    ReportError,
    expect_dict,
    expect_list,
    read_json,
)


def read_bandit(path: Path) -> list[Finding]:
    report = expect_dict(read_json(path), path.name)
    findings = []
    for index, item in enumerate(expect_list(report.get("results", []), f"{path.name} results")):
        result = expect_dict(item, f"{path.name} results[{index}]")
        severity = parse_severity(result.get("issue_severity"))
        if severity is None:
            raise ReportError(
                f"{path.name} results[{index}]: unknown severity {result.get('issue_severity')!r}"
            )
        where = f"{result.get('filename', '?')}:{result.get('line_number', '?')}"
        findings.append(Finding("bandit", severity, f"{result.get('test_id', '?')} {where}"))
    return findings
