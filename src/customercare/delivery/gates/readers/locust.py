"""Locust ``--csv`` stats (``<prefix>_stats.csv``): the "Aggregated" row's "95%", "99%" (ms),
"Failure Count", "Request Count" and "Requests/s"."""

from __future__ import annotations

import csv
from pathlib import Path

from customercare.delivery.gates.measures import PerfSample
from customercare.delivery.gates.readers.common import ReportError


def _number(row: dict[str, str | None], column: str) -> float | None:
    text = (row.get(column) or "").strip()
    if text in {"", "N/A"}:  # Locust writes N/A for percentiles of an empty run
        return None
    try:
        return float(text)
    except ValueError:
        raise ReportError(f"locust stats: {column}={text!r} is not a number") from None


def read_locust(path: Path) -> PerfSample:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, csv.Error, UnicodeDecodeError) as error:
        raise ReportError(f"cannot read {path.name}: {error}") from error
    aggregated = [row for row in rows if (row.get("Name") or "").strip() == "Aggregated"]
    if not aggregated:
        raise ReportError(f"{path.name}: no 'Aggregated' row (is this the *_stats.csv file?)")
    row = aggregated[-1]
    requests = _number(row, "Request Count")
    failures = _number(row, "Failure Count")
    error_rate = None
    if requests and failures is not None:
        error_rate = round(failures * 100 / requests, 6)
    return PerfSample(
        source="locust",
        p95_ms=_number(row, "95%"),
        p99_ms=_number(row, "99%"),
        error_rate_percent=error_rate,
        throughput_rps=_number(row, "Requests/s"),
    )
