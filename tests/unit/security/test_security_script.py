"""The pure parts of scripts/ci/security.py: licence policy, pip-audit's offline failure mode,
and which detect-secrets results the audited baseline accepts."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "ci" / "security.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ci_security", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


security = load_script()

ALLOWLIST = security.load_allowlist(
    """
    # comment
    MIT
    MIT License          # classifier name
    BSD-3-Clause
    Apache-2.0
    Apache Software License
    LGPL-3.0-only
    GNU Lesser General Public License v3 or later (LGPLv3+)
    """
)


# --------------------------------------------------------------------------- licences


@pytest.mark.parametrize(
    ("license_text", "allowed"),
    [
        ("MIT", True),
        ("mit license", True),  # case-insensitive
        ("Apache Software License", True),
        ("GNU Lesser General Public License v3 or later (LGPLv3+)", True),
        ("BSD License; MIT License", True),  # classifiers: alternatives
        ("DFSG approved; MIT License", True),
        ("GPL-3.0; GPL-2.0", False),
        ("Apache-2.0 OR GPL-3.0", True),
        ("Apache-2.0 AND GPL-3.0", False),
        ("MIT AND (Apache-2.0 OR GPL-3.0)", True),
        ("GPL-3.0 AND (Apache-2.0 OR MIT)", False),
        ("Apache-2.0 WITH LLVM-exception", True),
        ("GPL-3.0", False),
        ("UNKNOWN", False),
        ("", False),
        ("MIT AND (Apache-2.0", False),  # broken expression: not allowed
    ],
)
def test_license_allowed(license_text: str, allowed: bool) -> None:
    assert security.license_allowed(license_text, ALLOWLIST) is allowed


def test_exceptions_need_a_reason() -> None:
    text = "# known fine\nFace==BSD-3-Clause per LICENSE file\n\npeewee == MIT per LICENSE\n"
    assert security.load_exceptions(text) == {
        "face": "BSD-3-Clause per LICENSE file",
        "peewee": "MIT per LICENSE",
    }
    with pytest.raises(ValueError, match="line 1"):
        security.load_exceptions("face==\n")
    with pytest.raises(ValueError, match="line 2"):
        security.load_exceptions("# ok\nface\n")


def test_classify_licenses_uses_allowlist_then_exceptions_and_skips_the_project() -> None:
    packages = [
        {"Name": "requests", "Version": "2.32.3", "License": "Apache-2.0"},
        {"Name": "Face", "Version": "26.0.1", "License": "UNKNOWN"},
        {"Name": "some_gpl_lib", "Version": "1.0", "License": "GPL-3.0"},
        {"Name": "customercare", "Version": "0.1.0", "License": "Apache-2.0"},
    ]
    exceptions = security.load_exceptions("face==BSD-3-Clause per its LICENSE file\n")
    classified = security.classify_licenses(packages, ALLOWLIST, exceptions)
    assert [(p["name"], p["allowed"]) for p in classified] == [
        ("Face", True),
        ("requests", True),
        ("some_gpl_lib", False),
    ]
    by_name = {p["name"]: p for p in classified}
    assert by_name["Face"]["reason"] == "exception: BSD-3-Clause per its LICENSE file"
    assert by_name["requests"]["reason"] == "allow-list"
    assert set(by_name["requests"]) == {"name", "version", "license", "allowed", "reason"}


def test_repository_policy_files_parse() -> None:
    allowlist = security.load_allowlist(security.LICENSE_ALLOWLIST.read_text(encoding="utf-8"))
    exceptions = security.load_exceptions(security.LICENSE_EXCEPTIONS.read_text(encoding="utf-8"))
    for name in ("mit", "apache-2.0", "bsd-3-clause", "lgpl-2.1-or-later", "lgpl-3.0-only"):
        assert name in allowlist
    assert not any(name.startswith(("gpl", "agpl")) for name in allowlist)
    assert all(reason for reason in exceptions.values())


# -------------------------------------------------------------------------- pip-audit

# Captured on this machine (no route to the vulnerability service): every package skipped,
# "No known vulnerabilities found" on stderr, exit code 0.
OFFLINE_REPORT = json.dumps(
    {
        "dependencies": [
            {
                "name": name,
                "skip_reason": (
                    f"Dependency not found on PyPI and could not be audited: {name} ({version})"
                ),
            }
            for name, version in [("alembic", "1.20.1"), ("anyio", "4.16.0"), ("zipp", "4.1.2")]
        ],
        "fixes": [],
    }
)
OFFLINE_STDERR = "No known vulnerabilities found\n"

# pip-audit -f json with a working service: audited packages carry "vulns".
REAL_REPORT = json.dumps(
    {
        "dependencies": [
            {"name": "customercare", "skip_reason": "Dependency not found on PyPI ..."},
            {"name": "requests", "version": "2.32.3", "vulns": []},
            {
                "name": "jinja2",
                "version": "3.1.2",
                "vulns": [
                    {
                        "id": "GHSA-h5c8-rqwp-cp95",
                        "fix_versions": ["3.1.3"],
                        "aliases": ["CVE-2024-22195"],
                        "description": "xmlattr filter accepts keys containing spaces",
                    }
                ],
            },
        ],
        "fixes": [],
    }
)


def test_offline_pip_audit_is_not_evaluated() -> None:
    reason = security.not_evaluated_reason(OFFLINE_REPORT, OFFLINE_STDERR)
    assert reason is not None
    assert "none of the 3 dependencies could be audited" in reason


def test_a_real_pip_audit_report_is_evaluated() -> None:
    assert security.not_evaluated_reason(REAL_REPORT, "Found 1 known vulnerability\n") is None
    clean = json.dumps({"dependencies": [{"name": "requests", "version": "2", "vulns": []}]})
    assert security.not_evaluated_reason(clean, "No known vulnerabilities found\n") is None


@pytest.mark.parametrize(
    ("report", "stderr", "expected"),
    [
        (None, "Traceback ...\nResolutionImpossible: x\n", "wrote no report"),
        ("{not json", "", "invalid JSON"),
        ('{"fixes": []}', "", "no dependency list"),
        ('{"dependencies": []}', "", "no dependencies"),
        (
            REAL_REPORT,
            "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org'):"
            " Max retries exceeded",
            "network error",
        ),
    ],
)
def test_pip_audit_failures_are_not_evaluated(
    report: str | None, stderr: str, expected: str
) -> None:
    reason = security.not_evaluated_reason(report, stderr)
    assert reason is not None
    assert expected in reason


def test_mostly_skipped_pip_audit_is_not_evaluated() -> None:
    dependencies: list[dict[str, Any]] = [
        {"name": f"pkg{i}", "skip_reason": "Dependency not found on PyPI"} for i in range(3)
    ]
    dependencies.append({"name": "requests", "version": "2", "vulns": []})
    reason = security.not_evaluated_reason(json.dumps({"dependencies": dependencies}), "")
    assert reason is not None
    assert "only 1 of 4" in reason


# --------------------------------------------------------------------- detect-secrets


def secret(kind: str, hashed: str, line: int, **extra: Any) -> dict[str, Any]:
    entry = {"type": kind, "hashed_secret": hashed, "is_verified": False, "line_number": line}
    return entry | extra


def test_only_secrets_not_accepted_by_the_audited_baseline_are_reported() -> None:
    baseline = {
        "results": {
            "tests/factories.py": [secret("Secret Keyword", "aaa", 30, is_secret=False)],
            "src/app.py": [
                secret("Secret Keyword", "bbb", 5),  # never audited
                secret("AWS Access Key", "ccc", 9, is_secret=True),  # audited: real
            ],
        }
    }
    scan = {
        "results": {
            # moved to another line: still the same accepted false positive
            "tests/factories.py": [secret("Secret Keyword", "aaa", 41, is_secret=False)],
            "src/app.py": [
                secret("Secret Keyword", "bbb", 5),
                secret("AWS Access Key", "ccc", 9, is_secret=True),
                secret("Private Key", "ddd", 20),  # new
            ],
            # the same hash in another file is a new secret there
            "src/other.py": [secret("Secret Keyword", "aaa", 3)],
        }
    }
    found = security.unaccepted_secrets(baseline, scan)
    assert set(found) == {"src/app.py", "src/other.py"}
    statuses = {(entry["hashed_secret"], entry["status"]) for entry in found["src/app.py"]}
    assert statuses == {("bbb", "unaudited"), ("ccc", "confirmed"), ("ddd", "new")}
    assert [entry["status"] for entry in found["src/other.py"]] == ["new"]
    confirmed = next(e for e in found["src/app.py"] if e["status"] == "confirmed")
    assert confirmed["is_secret"] is True  # the gate must not skip it
    assert all("is_secret" not in e for e in found["src/app.py"] if e["status"] != "confirmed")


def test_no_secrets_means_an_empty_report() -> None:
    baseline = {"results": {"a.py": [secret("Secret Keyword", "aaa", 1, is_secret=False)]}}
    assert security.unaccepted_secrets(baseline, {"results": {}}) == {}
    assert security.unaccepted_secrets({"results": {}}, {"results": {}}) == {}


# ------------------------------------------------------------------------- options


def test_only_option_validates_scanner_names() -> None:
    assert security.parse_only("bandit, semgrep") == ["bandit", "semgrep"]
    with pytest.raises(Exception, match="unknown scanner"):
        security.parse_only("bandit,nmap")
    assert security.main(["--only", "nmap"]) == security.EXIT_USAGE


def test_summaries_count_by_severity() -> None:
    bandit = {"results": [{"issue_severity": "LOW"}, {"issue_severity": "LOW"}], "errors": []}
    assert security.summarize_bandit(bandit) == "2 findings (2 LOW)"
    semgrep = {"results": [{"extra": {"severity": "ERROR"}}], "errors": []}
    assert security.summarize_semgrep(semgrep) == "1 finding (1 ERROR)"
    assert security.summarize_pip_audit(json.loads(REAL_REPORT)) == (
        "1 known vulnerabilities in 1 of 3 packages (1 skipped)"
    )
