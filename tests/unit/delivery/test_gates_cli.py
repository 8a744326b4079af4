"""``ccgpt gates check``: exit codes, the table, and the JSON/Markdown/step-summary outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from customercare.cli.main import app
from tests.unit.delivery import gate_report_files as files

REPO_FILE = Path(__file__).resolve().parents[3] / "quality-gates.toml"


@pytest.fixture(autouse=True)
def _not_in_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    # When the suite itself runs in CI these are set: the tests must not see (or write) them.
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


def check(reports: Path, *args: str, thresholds: Path = REPO_FILE) -> tuple[int, str]:
    command = ["gates", "check", "--reports", str(reports), "--thresholds", str(thresholds)]
    result = CliRunner().invoke(app, [*command, *args])
    return result.exit_code, result.output


def test_a_passing_release_exits_0_and_writes_json_and_markdown(tmp_path: Path) -> None:
    files.all_passing(tmp_path)
    json_out, markdown_out = tmp_path / "out" / "gates.json", tmp_path / "out" / "gates.md"
    code, output = check(
        tmp_path,
        "--stage",
        "release",
        "--json-out",
        str(json_out),
        "--markdown-out",
        str(markdown_out),
    )
    assert code == 0, output
    assert "quality gates passed for stage release" in output
    document = json.loads(json_out.read_text())
    assert document["passed"] is True
    assert [gate["verdict"] for gate in document["gates"]] == ["PASS"] * 7
    markdown = markdown_out.read_text()
    assert markdown.startswith("### Quality gates (stage `release`): ✅ passed")
    assert "| coverage * | >= 80% lines | 85% | ✅ PASS |" in markdown


def test_a_failing_gate_exits_1(tmp_path: Path) -> None:
    files.all_passing(tmp_path)
    files.coverage_xml(tmp_path, "0.799")
    code, output = check(tmp_path, "--stage", "pr")
    assert code == 1
    assert "quality gates failed: coverage: FAIL" in output
    assert "79.9%" in output


def test_a_required_gate_without_its_report_exits_1(tmp_path: Path) -> None:
    files.coverage_xml(tmp_path, "0.9")
    code, output = check(tmp_path, "--stage", "pr")
    assert code == 1
    assert "security: required but NOT_EVALUATED" in output


def test_missing_gates_that_the_stage_does_not_require_do_not_fail(tmp_path: Path) -> None:
    files.coverage_xml(tmp_path, "0.9")
    files.clean_security(tmp_path)
    json_out = tmp_path / "gates.json"
    assert check(tmp_path, "--json-out", str(json_out))[0] == 0  # --stage defaults to pr
    verdicts = {g["name"]: g["verdict"] for g in json.loads(json_out.read_text())["gates"]}
    assert verdicts["availability"] == "NOT_EVALUATED"
    # The same reports are not enough for a release.
    assert check(tmp_path, "--stage", "release")[0] == 1


def test_an_unevaluated_audit_fails_security_in_github_actions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files.all_passing(tmp_path)
    files.audit_not_evaluated(tmp_path)
    json_out = tmp_path / "gates.json"
    assert check(tmp_path, "--json-out", str(json_out))[0] == 1
    assert json.loads(json_out.read_text())["gates"][1]["verdict"] == "NOT_EVALUATED"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert check(tmp_path, "--json-out", str(json_out))[0] == 1
    assert json.loads(json_out.read_text())["gates"][1]["verdict"] == "FAIL"


def test_the_markdown_is_appended_to_the_github_step_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files.all_passing(tmp_path)
    summary = tmp_path / "summary.md"
    summary.write_text("## Earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert check(tmp_path)[0] == 0
    text = summary.read_text()
    assert text.startswith("## Earlier step\n### Quality gates (stage `pr`): ✅ passed")


@pytest.mark.parametrize(
    ("args", "thresholds_text", "message"),
    [
        (["--stage", "nightly"], None, "unknown stage 'nightly'"),
        ([], 'coverage_min_percent = "eighty"\n', "invalid thresholds file"),
        ([], "[stages\n", "is not valid TOML"),
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path, args: list[str], thresholds_text: str | None, message: str
) -> None:
    thresholds = REPO_FILE
    if thresholds_text is not None:
        thresholds = tmp_path / "gates.toml"
        thresholds.write_text(thresholds_text)
    code, output = check(tmp_path, *args, thresholds=thresholds)
    assert code == 2
    assert message in output


def test_a_missing_thresholds_file_exits_2(tmp_path: Path) -> None:
    code, output = check(tmp_path, thresholds=tmp_path / "absent.toml")
    assert code == 2
    assert "cannot read thresholds file" in output


@pytest.mark.parametrize("scenario", ["passing", "missing"])
def test_the_table_fits_80_columns_and_cuts_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenario: str
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    if scenario == "passing":
        files.all_passing(tmp_path)
    _, output = check(tmp_path, "--stage", "release")
    assert max(len(line) for line in output.splitlines()) <= 80
    assert "…" not in output
    for name in ("coverage", "security", "performance_p95", "performance_p99", "error_rate"):
        assert f"│ {name} " in output
    if scenario == "missing":
        assert output.count("NOT_EVALUATED │") == 7
