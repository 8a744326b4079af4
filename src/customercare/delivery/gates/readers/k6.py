"""``k6 run --summary-export``: ``metrics.http_req_duration["p(95)"|"p(99)"]`` (ms),
``metrics.http_req_failed.value`` (a 0..1 rate) and ``metrics.http_reqs.rate`` (req/s)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from customercare.delivery.gates.measures import PerfSample
from customercare.delivery.gates.readers.common import (
    ReportError,
    expect_dict,
    optional_number,
    read_json,
)


def _metric(metrics: dict[str, Any], name: str) -> dict[str, Any]:
    metric = expect_dict(metrics.get(name, {}), f"k6 metrics.{name}")
    # handleSummary() data nests the numbers under "values"; --summary-export does not.
    values = metric.get("values")
    return expect_dict(values, f"k6 metrics.{name}.values") if values is not None else metric


def read_k6(path: Path) -> PerfSample:
    metrics = expect_dict(expect_dict(read_json(path), path.name).get("metrics"), "k6 metrics")
    if "http_reqs" not in metrics:
        raise ReportError(f"{path.name}: no http_reqs metric (did the test make HTTP requests?)")
    duration = _metric(metrics, "http_req_duration")
    failed = optional_number(_metric(metrics, "http_req_failed").get("value"), "k6 failed rate")
    # p(99) is only there when --summary-trend-stats asks for it; None then, not 0.
    return PerfSample(
        source="k6",
        p95_ms=optional_number(duration.get("p(95)"), "k6 p(95)"),
        p99_ms=optional_number(duration.get("p(99)"), "k6 p(99)"),
        error_rate_percent=None if failed is None else round(failed * 100, 6),
        throughput_rps=optional_number(_metric(metrics, "http_reqs").get("rate"), "k6 rate"),
    )
