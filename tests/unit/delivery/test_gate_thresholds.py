"""quality-gates.toml: the repository's file loads, and a bad file is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from customercare.delivery.gates import GATE_NAMES, ThresholdsError, load_thresholds
from customercare.delivery.gates.thresholds import ReportPaths

REPO_FILE = Path(__file__).resolve().parents[3] / "quality-gates.toml"

VALID = """
coverage_min_percent = 80
security_min_score = "A"
p95_max_ms = 2000
p99_max_ms = 5000
error_rate_max_percent = 1.0
throughput_min_rps = 100
availability_min_percent = 99.9
[stages.pr]
required = ["coverage"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gates.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_repository_file_holds_the_agreed_thresholds() -> None:
    thresholds = load_thresholds(REPO_FILE)
    assert thresholds.coverage_min_percent == 80
    assert thresholds.security_min_score == "A"
    assert (thresholds.p95_max_ms, thresholds.p99_max_ms) == (2000, 5000)
    assert thresholds.error_rate_max_percent == 1.0
    assert thresholds.throughput_min_rps == 100
    assert thresholds.availability_min_percent == 99.9
    assert thresholds.required_for("pr") == ("coverage", "security")
    assert thresholds.required_for("main") == ("coverage", "security")
    assert thresholds.required_for("release") == GATE_NAMES
    assert thresholds.reports == ReportPaths()  # the file spells out the defaults
    assert thresholds.reports.locust == Path("locust_stats.csv")


def test_report_paths_are_resolved_under_the_reports_directory(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "k6.json"
    paths = ReportPaths(k6=elsewhere).under(tmp_path / "reports")
    assert paths.coverage == tmp_path / "reports" / "coverage.xml"
    assert paths.k6 == elsewhere  # an absolute path is kept


def test_an_unknown_stage_is_an_error_naming_the_known_ones(tmp_path: Path) -> None:
    thresholds = load_thresholds(write(tmp_path, VALID))
    with pytest.raises(ThresholdsError, match=r"unknown stage 'nightly' \(known: pr\)"):
        thresholds.required_for("nightly")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (VALID.replace('"A"', '"F"'), "security_min_score"),
        (VALID.replace("= 80", "= 180"), "coverage_min_percent"),
        (VALID.replace("p95_max_ms", "p95_max_msec"), "p95_max_msec: Extra inputs"),
        (VALID.replace("p99_max_ms = 5000\n", ""), "p99_max_ms: Field required"),
        (VALID.replace('["coverage"]', '["speed"]'), "stages.pr.required.0"),
        (VALID + '[reports]\nk7 = "x.json"\n', "reports.k7"),
        (VALID + "[stages.main\n", "not valid TOML"),
    ],
)
def test_a_bad_file_is_one_readable_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ThresholdsError, match=r"gates\.toml") as caught:
        load_thresholds(write(tmp_path, text))
    assert message in str(caught.value)


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ThresholdsError, match="cannot read thresholds file"):
        load_thresholds(tmp_path / "absent.toml")
