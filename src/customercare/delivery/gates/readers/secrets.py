"""detect-secrets JSON (``detect-secrets scan``): ``results`` maps a file to its secrets."""

from __future__ import annotations

from pathlib import Path

from customercare.delivery.gates.findings import Finding, Severity
from customercare.delivery.gates.readers.common import expect_dict, expect_list, read_json


def read_secrets(path: Path) -> list[Finding]:
    """Every reported secret is a high finding, except one audited as a false positive
    (``"is_secret": false``); inline ``pragma: allowlist secret`` ones are never reported."""
    report = expect_dict(read_json(path), path.name)
    files = expect_dict(report.get("results", {}), f"{path.name} results")
    findings = []
    for filename, entries in files.items():
        for index, item in enumerate(expect_list(entries, f"{path.name} {filename}")):
            secret = expect_dict(item, f"{path.name} {filename}[{index}]")
            if secret.get("is_secret") is False:
                continue
            title = f"{secret.get('type', 'secret')} {filename}:{secret.get('line_number', '?')}"
            findings.append(Finding("detect-secrets", Severity.HIGH, title))
    return findings
