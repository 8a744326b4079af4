"""``artillery run --output`` JSON: ``aggregate.summaries["http.response_time"].p95/p99``,
``aggregate.counters`` and ``aggregate.rates["http.request_rate"]``."""

from __future__ import annotations

from pathlib import Path

from customercare.delivery.gates.measures import PerfSample
from customercare.delivery.gates.readers.common import (
    expect_dict,
    optional_number,
    read_json,
)


def read_artillery(path: Path) -> PerfSample:
    aggregate = expect_dict(
        expect_dict(read_json(path), path.name).get("aggregate"), "artillery aggregate"
    )
    counters = expect_dict(aggregate.get("counters", {}), "artillery counters")
    summaries = expect_dict(aggregate.get("summaries", {}), "artillery summaries")
    rates = expect_dict(aggregate.get("rates", {}), "artillery rates")
    times = expect_dict(summaries.get("http.response_time", {}), "artillery http.response_time")

    def count(name: str) -> float:
        return optional_number(counters.get(name), f"artillery {name}") or 0.0

    errors = sum(count(name) for name in counters if name.startswith("errors."))
    # An error (ETIMEDOUT...) also fails its virtual user: take the larger, not the sum.
    failed = max(errors, count("vusers.failed"))
    # Artillery does not count 5xx answers as errors; k6 and Locust do, so add them here.
    failed += sum(count(name) for name in counters if name.startswith("http.codes.5"))
    requests = count("http.requests")
    return PerfSample(
        source="artillery",
        p95_ms=optional_number(times.get("p95"), "artillery p95"),
        p99_ms=optional_number(times.get("p99"), "artillery p99"),
        error_rate_percent=round(failed * 100 / requests, 6) if requests else None,
        throughput_rps=optional_number(rates.get("http.request_rate"), "artillery request_rate"),
    )
