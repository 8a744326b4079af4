"""Writers for small load-test and status-history reports in each tool's real format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LOCUST_HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)


def _json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def k6_json(
    reports: Path,
    *,
    p95: float = 850.0,
    p99: float | None = 1900.0,
    failed: float = 0.002,
    rate: float = 150.0,
) -> Path:
    duration: dict[str, float] = {"avg": 300.1, "min": 12.0, "med": 250.0, "max": 6100.0}
    duration |= {"p(90)": 700.0, "p(95)": p95}
    if p99 is not None:
        duration["p(99)"] = p99
    return _json(
        reports / "k6-summary.json",
        {
            "root_group": {"name": "", "path": "", "id": "d41d8cd9", "groups": {}, "checks": {}},
            "options": {"summaryTrendStats": ["avg", "min", "med", "max", "p(95)", "p(99)"]},
            "state": {"isStdOutTTY": False, "isStdErrTTY": False, "testRunDurationMs": 60000},
            "metrics": {
                "http_req_duration": duration,
                "http_req_failed": {"passes": 2, "fails": 998, "value": failed},
                "http_reqs": {"count": 9000, "rate": rate},
                "vus": {"value": 10, "min": 10, "max": 10},
            },
        },
    )


def locust_csv(
    reports: Path,
    *,
    p95: str = "900",
    p99: str = "1800",
    failures: int = 3,
    requests: int = 1000,
    rps: str = "120.5",
) -> Path:
    def row(kind: str, name: str) -> str:
        return (
            f"{kind},{name},{requests},{failures},200,310.2,11,4100,512.0,{rps},0.01,"
            f"200,260,300,350,600,{p95},1200,{p99},3000,4000,4100"
        )

    path = reports / "locust_stats.csv"
    path.write_text(
        "\n".join([LOCUST_HEADER, row("GET", "/api/v1/search"), row("", "Aggregated")]) + "\n",
        encoding="utf-8",
    )
    return path


def artillery_json(
    reports: Path,
    *,
    p95: float = 700.0,
    p99: float = 1500.0,
    requests: int = 1000,
    errors: int = 0,
    codes_5xx: int = 0,
    rate: float = 130.0,
) -> Path:
    counters = {
        "vusers.created": 100,
        "http.requests": requests,
        "http.codes.200": requests - errors - codes_5xx,
        "http.responses": requests - errors,
        "vusers.completed": 100 - errors,
    }
    if errors:
        counters |= {"errors.ETIMEDOUT": errors, "vusers.failed": errors}
    if codes_5xx:
        counters["http.codes.503"] = codes_5xx
    summary = {"min": 8, "max": 5200, "count": requests, "mean": 210.4, "p50": 180}
    summary |= {"median": 180, "p90": 500, "p95": p95, "p99": p99, "p999": 4000}
    return _json(
        reports / "artillery.json",
        {
            "aggregate": {
                "counters": counters,
                "rates": {"http.request_rate": rate},
                "firstCounterAt": 1720000000000,
                "summaries": {"http.response_time": summary},
                "histograms": {"http.response_time": summary},
            },
            "intermediate": [],
        },
    )


def status_json(reports: Path, ok: int, total: int, *, wrapped: bool = False) -> Path:
    checks = [
        {"at": f"2024-07-01T00:{i // 60:02d}:{i % 60:02d}Z", "ok": i < ok, "status": 200}
        for i in range(total)
    ]
    return _json(reports / "status-history.json", {"checks": checks} if wrapped else checks)
