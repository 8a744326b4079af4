"""Writers for small reports in each tool's real output format, and helpers, for the
quality-gate tests. The load-test writers live in gate_load_files and are re-exported."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from customercare.delivery.gates import GateResult, Thresholds, evaluate
from tests.unit.delivery.gate_load_files import artillery_json, k6_json, locust_csv, status_json

__all__ = ["artillery_json", "k6_json", "locust_csv", "status_json"]  # and the writers below

REPO_THRESHOLDS = Path(__file__).resolve().parents[3] / "quality-gates.toml"


def gate(
    reports: Path, thresholds: Thresholds, name: str, env: Mapping[str, str] | None = None
) -> GateResult:
    """One gate's result from a full release evaluation."""
    results = evaluate(reports, thresholds, "release", env or {})
    return {result.name: result for result in results}[name]


def _json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def coverage_xml(reports: Path, line_rate: str, branch_rate: str = "0.7") -> Path:
    path = reports / "coverage.xml"
    path.write_text(
        '<?xml version="1.0" ?>\n'
        f'<coverage version="7.6.1" timestamp="1720000000000" lines-valid="1000" '
        f'lines-covered="850" line-rate="{line_rate}" branches-covered="70" '
        f'branches-valid="100" branch-rate="{branch_rate}" complexity="0">\n'
        "  <sources><source>/repo/src</source></sources>\n"
        '  <packages><package name="customercare" line-rate="0.85" branch-rate="0.7" '
        'complexity="0"><classes/></package></packages>\n'
        "</coverage>\n",
        encoding="utf-8",
    )
    return path


def bandit_json(reports: Path, *severities: str) -> Path:
    results = [
        {
            "code": "10 subprocess.call(cmd, shell=True)\n",
            "filename": "src/customercare/x.py",
            "issue_confidence": "HIGH",
            "issue_cwe": {"id": 78, "link": "https://cwe.mitre.org/data/definitions/78.html"},
            "issue_severity": severity,
            "issue_text": "subprocess call with shell=True identified",
            "line_number": 10 + index,
            "line_range": [10 + index],
            "more_info": "https://bandit.readthedocs.io/",
            "test_id": "B602",
            "test_name": "subprocess_popen_with_shell_equals_true",
        }
        for index, severity in enumerate(severities)
    ]
    return _json(
        reports / "bandit.json",
        {"errors": [], "generated_at": "2024-07-01T00:00:00Z", "metrics": {}, "results": results},
    )


def semgrep_result(severity: str, **metadata: str) -> dict[str, Any]:
    return {
        "check_id": "python.lang.security.audit.eval-detected.eval-detected",
        "path": "src/customercare/x.py",
        "start": {"line": 3, "col": 1, "offset": 10},
        "end": {"line": 3, "col": 20, "offset": 29},
        "extra": {
            "message": "Detected the use of eval().",
            "metadata": {"category": "security", "confidence": "LOW", **metadata},
            "severity": severity,
            "fingerprint": "requires login",
            "lines": "requires login",
            "is_ignored": False,
            "engine_kind": "OSS",
        },
    }


def semgrep_json(reports: Path, *results: dict[str, Any]) -> Path:
    return _json(
        reports / "semgrep.json",
        {
            "version": "1.80.0",
            "results": list(results),
            "errors": [],
            "paths": {"scanned": []},
            "skipped_rules": [],
        },
    )


def secrets_json(reports: Path, *entries: dict[str, Any]) -> Path:
    files: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        files.setdefault(entry["filename"], []).append(entry)
    return _json(
        reports / "detect-secrets.json",
        {
            "version": "1.5.0",
            "plugins_used": [{"name": "KeywordDetector"}],
            "filters_used": [],
            "results": files,
            "generated_at": "2024-07-01T00:00:00Z",
        },
    )


def secret(filename: str = "settings.py", **extra: Any) -> dict[str, Any]:
    return {
        "type": "Secret Keyword",
        "filename": filename,
        "hashed_secret": "0" * 40,
        "is_verified": False,
        "line_number": 3,
        **extra,
    }


def audit_json(reports: Path, *vulns: dict[str, Any]) -> Path:
    return _json(
        reports / "pip-audit.json",
        {
            "dependencies": [
                {"name": "jinja2", "version": "3.1.2", "vulns": list(vulns)},
                {"name": "customercare", "skip_reason": "Dependency not found on PyPI"},
            ],
            "fixes": [],
        },
    )


def vuln(**extra: Any) -> dict[str, Any]:
    return {
        "id": "GHSA-h5c8-rqwp-cp95",
        "fix_versions": ["3.1.3"],
        "aliases": ["CVE-2024-22195"],
        "description": "xmlattr filter allows keys with spaces",
        **extra,
    }


def audit_not_evaluated(reports: Path) -> Path:
    return _json(
        reports / "pip-audit.json", {"status": "not_evaluated", "reason": "no network (offline)"}
    )


def licenses_json(reports: Path, *disallowed: str) -> Path:
    packages = [{"name": "pydantic", "version": "2.8.2", "license": "MIT", "allowed": True}]
    packages += [
        {"name": name, "version": "1.0", "license": "GPL-3.0-only", "allowed": False}
        for name in disallowed
    ]
    return _json(reports / "licenses.json", packages)


def clean_security(reports: Path) -> None:
    bandit_json(reports)
    semgrep_json(reports)
    secrets_json(reports)
    audit_json(reports)
    licenses_json(reports)


def all_passing(reports: Path) -> None:
    coverage_xml(reports, "0.85")
    clean_security(reports)
    k6_json(reports)
    locust_csv(reports)
    artillery_json(reports)
    status_json(reports, 1000, 1000)
