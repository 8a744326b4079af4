"""The local Semgrep rules (security/semgrep/rules.yml) against their annotated test files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")  # PyYAML comes with pre-commit and semgrep

ROOT = Path(__file__).resolve().parents[3]
SEMGREP_DIR = ROOT / "security" / "semgrep"
RULES = SEMGREP_DIR / "rules.yml"
RULE_TESTS = SEMGREP_DIR / "tests" / "rules"


def load_rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = yaml.safe_load(RULES.read_text(encoding="utf-8"))["rules"]
    return rules


def semgrep() -> str | None:
    beside = Path(sys.executable).parent / "semgrep"
    return str(beside) if beside.is_file() else shutil.which("semgrep")


def test_every_rule_has_the_required_metadata() -> None:
    rules = load_rules()
    assert len({rule["id"] for rule in rules}) == len(rules), "duplicate rule ids"
    for rule in rules:
        assert rule["languages"] == ["python"], rule["id"]
        assert rule["severity"] in {"ERROR", "WARNING", "INFO"}, rule["id"]
        assert rule["message"].strip(), rule["id"]
        metadata = rule["metadata"]
        assert metadata["category"] == "security", rule["id"]
        assert all(cwe.startswith("CWE-") for cwe in metadata["cwe"]), rule["id"]
        assert metadata["confidence"] in {"HIGH", "MEDIUM", "LOW"}, rule["id"]


def test_every_rule_has_an_annotated_test_file() -> None:
    for rule in load_rules():
        test_file = RULE_TESTS / f"{rule['id']}.py"
        assert test_file.is_file(), f"missing {test_file.relative_to(ROOT)}"
        text = test_file.read_text(encoding="utf-8")
        assert f"# ruleid: {rule['id']}" in text, f"{test_file.name} has no positive case"
        assert f"# ok: {rule['id']}" in text, f"{test_file.name} has no negative case"


@pytest.mark.slow
def test_semgrep_rule_tests_pass() -> None:
    executable = semgrep()
    if executable is None:
        pytest.skip("semgrep is not installed")
    # A config DIRECTORY: semgrep 1.x pairs rules.yml with tests/rules/*.py (see rules.yml).
    result = subprocess.run(
        [
            executable,
            "--test",
            "--metrics=off",
            "--disable-version-check",
            "--config",
            str(SEMGREP_DIR),
            str(SEMGREP_DIR / "tests"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=os.environ | {"SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    count = len(load_rules())
    assert f"{count}/{count}: ✓ All tests passed" in output, output
