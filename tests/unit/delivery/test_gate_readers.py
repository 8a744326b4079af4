"""The coverage, load-test and status readers understand each tool's own format, and every
JSON reader refuses a broken file."""

from __future__ import annotations

from pathlib import Path

import pytest

from customercare.delivery.gates.readers import (
    ReportError,
    read_artillery,
    read_audit,
    read_bandit,
    read_coverage,
    read_k6,
    read_licenses,
    read_locust,
    read_secrets,
    read_semgrep,
    read_status,
)
from tests.unit.delivery import gate_report_files as files


def test_coverage_reads_line_rate_times_100(tmp_path: Path) -> None:
    report = read_coverage(files.coverage_xml(tmp_path, "0.799", "0.65"))
    assert report.line_percent == 79.9
    assert report.branch_percent == 65.0


def test_coverage_without_branches_measured(tmp_path: Path) -> None:
    path = files.coverage_xml(tmp_path, "0.9", "0")
    path.write_text(path.read_text().replace('branches-valid="100"', 'branches-valid="0"'))
    assert read_coverage(path).branch_percent is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<coverage", "not valid XML"),
        ('<report line-rate="0.9"/>', "expected <coverage>"),
        ("<coverage/>", "no line-rate"),
        ('<coverage line-rate="lots"/>', "not a number"),
        ('<coverage line-rate="1.5"/>', "outside 0..1"),
        ('<!DOCTYPE x [<!ENTITY a "b">]><coverage line-rate="&a;"/>', "not valid XML"),
    ],
)
def test_coverage_refuses_a_broken_report(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "coverage.xml"
    path.write_text(text)
    with pytest.raises(ReportError, match=message):
        read_coverage(path)


def test_k6_summary_export(tmp_path: Path) -> None:
    sample = read_k6(files.k6_json(tmp_path, p95=2100.5, p99=None, failed=0.015, rate=80))
    assert (sample.p95_ms, sample.p99_ms) == (2100.5, None)
    assert sample.error_rate_percent == 1.5
    assert sample.throughput_rps == 80


def test_k6_handle_summary_shape(tmp_path: Path) -> None:
    path = tmp_path / "k6.json"
    path.write_text(
        '{"metrics": {"http_req_duration": {"type": "trend", "values": {"p(95)": 10, "p(99)": 20}},'
        ' "http_req_failed": {"values": {"rate": 0, "value": 0}},'
        ' "http_reqs": {"values": {"count": 5, "rate": 1.5}}}}'
    )
    sample = read_k6(path)
    assert (sample.p95_ms, sample.p99_ms, sample.error_rate_percent) == (10, 20, 0)


def test_k6_without_http_requests_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k6.json"
    path.write_text('{"metrics": {"iterations": {"count": 1}}}')
    with pytest.raises(ReportError, match="no http_reqs"):
        read_k6(path)


def test_locust_aggregated_row(tmp_path: Path) -> None:
    sample = read_locust(files.locust_csv(tmp_path, p95="2500", failures=15, requests=1000))
    assert (sample.p95_ms, sample.p99_ms, sample.throughput_rps) == (2500, 1800, 120.5)
    assert sample.error_rate_percent == 1.5


def test_locust_empty_run_and_wrong_file(tmp_path: Path) -> None:
    sample = read_locust(files.locust_csv(tmp_path, p95="N/A", p99="N/A", requests=0))
    assert (sample.p95_ms, sample.error_rate_percent) == (None, None)
    path = tmp_path / "locust_failures.csv"
    path.write_text("Method,Name,Error,Occurrences\nGET,/,500,3\n")
    with pytest.raises(ReportError, match="no 'Aggregated' row"):
        read_locust(path)


def test_artillery_report(tmp_path: Path) -> None:
    sample = read_artillery(files.artillery_json(tmp_path, p95=2400, errors=10, codes_5xx=5))
    assert (sample.p95_ms, sample.p99_ms, sample.throughput_rps) == (2400, 1500, 130)
    # 10 ETIMEDOUT (each also a failed vuser, counted once) + 5 answers with 503.
    assert sample.error_rate_percent == 1.5


def test_status_history_both_shapes(tmp_path: Path) -> None:
    assert read_status(files.status_json(tmp_path, 1998, 2000)).percent == 99.9
    wrapped = read_status(files.status_json(tmp_path, 3, 4, wrapped=True))
    assert (wrapped.ok, wrapped.total, wrapped.percent) == (3, 4, 75.0)
    path = tmp_path / "status.json"
    path.write_text('[{"ok": "yes"}]')
    with pytest.raises(ReportError, match="'ok' must be true or false"):
        read_status(path)


@pytest.mark.parametrize(
    "reader", [read_bandit, read_semgrep, read_secrets, read_audit, read_licenses, read_k6]
)
def test_json_readers_refuse_a_broken_file(tmp_path: Path, reader: object) -> None:
    path = tmp_path / "report.json"
    path.write_text("{not json")
    with pytest.raises(ReportError, match="not valid JSON"):
        reader(path)  # type: ignore[operator]
