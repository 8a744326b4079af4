"""``semgrep --json``: ``results[].extra.severity`` (INFO/WARNING/ERROR, or LOW..CRITICAL in
newer rules) plus ``extra.metadata.security-severity`` / ``impact`` when a rule has them."""

from __future__ import annotations

from pathlib import Path

from customercare.delivery.gates.findings import Finding, parse_severity
from customercare.delivery.gates.readers.common import (
    ReportError,
    expect_dict,
    expect_list,
    read_json,
)


def read_semgrep(path: Path) -> list[Finding]:
    report = expect_dict(read_json(path), path.name)
    findings = []
    for index, item in enumerate(expect_list(report.get("results", []), f"{path.name} results")):
        where = f"{path.name} results[{index}]"
        extra = expect_dict(expect_dict(item, where).get("extra", {}), f"{where}.extra")
        if extra.get("is_ignored") is True:  # a `nosemgrep` finding kept by --disable-nosem
            continue
        metadata = extra.get("metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        signals = [
            parse_severity(extra.get("severity")),
            parse_severity(metadata.get("security-severity")),
            parse_severity(metadata.get("impact")),
        ]
        known = [signal for signal in signals if signal is not None]
        if not known:
            raise ReportError(f"{where}: no severity the gate understands")
        # The worst of the rule's signals: a gate should not downplay what a rule says.
        findings.append(Finding("semgrep", max(known), str(item.get("check_id", "?"))))
    return findings
