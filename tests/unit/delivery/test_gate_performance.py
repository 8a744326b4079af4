"""The load-test gates pass and fail at their thresholds, on the worst of k6, Locust and
Artillery."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from customercare.delivery.gates import Thresholds, Verdict
from tests.unit.delivery import gate_report_files as files
from tests.unit.delivery.gate_report_files import gate


@pytest.mark.parametrize(
    ("name", "write", "measured"),
    [
        ("performance_p95", lambda d: files.k6_json(d, p95=2000.5), "2000.5 ms (k6)"),
        ("performance_p99", lambda d: files.k6_json(d, p99=5000.001), "5000.01 ms (k6)"),
        ("error_rate", lambda d: files.k6_json(d, failed=0.015), "1.5% (k6)"),
        ("throughput", lambda d: files.k6_json(d, rate=80), "80 req/s (k6)"),
        ("performance_p95", lambda d: files.locust_csv(d, p95="2100"), "2100 ms (locust)"),
        ("error_rate", lambda d: files.locust_csv(d, failures=15), "1.5% (locust)"),
        ("throughput", lambda d: files.locust_csv(d, rps="99.99"), "99.99 req/s (locust)"),
        ("performance_p99", lambda d: files.artillery_json(d, p99=5200), "5200 ms (artillery)"),
        ("error_rate", lambda d: files.artillery_json(d, errors=15), "1.5% (artillery)"),
        ("throughput", lambda d: files.artillery_json(d, rate=80), "80 req/s (artillery)"),
    ],
)
def test_performance_fails_on_the_worst_report(
    reports: Path, thresholds: Thresholds, name: str, write: Callable[[Path], Path], measured: str
) -> None:
    write(reports)
    result = gate(reports, thresholds, name)
    assert (result.verdict, result.measured) == (Verdict.FAIL, measured)
    assert result.detail.startswith("worst of: k6 ")


@pytest.mark.parametrize(
    ("name", "write"),
    [
        ("performance_p95", lambda d: files.k6_json(d, p95=2000)),
        ("performance_p99", lambda d: files.k6_json(d, p99=5000)),
        ("error_rate", lambda d: files.k6_json(d, failed=0.01)),
        ("throughput", lambda d: files.k6_json(d, rate=100)),
    ],
)
def test_performance_passes_at_the_threshold(
    reports: Path, thresholds: Thresholds, name: str, write: Callable[[Path], Path]
) -> None:
    write(reports)
    assert gate(reports, thresholds, name).verdict is Verdict.PASS


def test_one_load_tool_is_enough(tmp_path: Path, thresholds: Thresholds) -> None:
    files.locust_csv(tmp_path)
    result = gate(tmp_path, thresholds, "performance_p95")
    assert (result.verdict, result.measured) == (Verdict.PASS, "900 ms (locust)")


def test_a_metric_no_report_carries_is_not_evaluated(
    tmp_path: Path, thresholds: Thresholds
) -> None:
    files.k6_json(tmp_path, p99=None)
    result = gate(tmp_path, thresholds, "performance_p99")
    assert (result.verdict, result.detail) == (Verdict.NOT_EVALUATED, "no p99 in: k6")


def test_a_broken_report_fails_its_gate(reports: Path, thresholds: Thresholds) -> None:
    (reports / "locust_stats.csv").write_text("Type,Name\nGET,/\n")
    result = gate(reports, thresholds, "throughput")
    assert result.verdict is Verdict.FAIL
    assert result.detail.startswith("unreadable report: locust_stats.csv")
