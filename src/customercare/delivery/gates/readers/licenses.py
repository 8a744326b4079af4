"""The licence check: a list of ``{"name", "version", "license", "allowed": bool}``."""

from __future__ import annotations

from pathlib import Path

from customercare.delivery.gates.findings import Finding, Severity
from customercare.delivery.gates.readers.common import (
    ReportError,
    expect_dict,
    expect_list,
    read_json,
)


def read_licenses(path: Path) -> list[Finding]:
    """A disallowed licence is a high finding: shipping it is a legal risk, not a style issue."""
    findings = []
    for index, item in enumerate(expect_list(read_json(path), path.name)):
        package = expect_dict(item, f"{path.name}[{index}]")
        allowed = package.get("allowed")
        if not isinstance(allowed, bool):
            raise ReportError(f"{path.name}[{index}]: 'allowed' must be true or false")
        if not allowed:
            title = (
                f"{package.get('name', '?')} {package.get('version', '?')}"
                f" ({package.get('license', 'unknown licence')})"
            )
            findings.append(Finding("licenses", Severity.HIGH, title))
    return findings
