"""What the load-test and status-history readers measure, whatever tool produced it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PerfSample:
    """One load-test report. None: the tool's report does not carry that number."""

    source: str
    p95_ms: float | None
    p99_ms: float | None
    error_rate_percent: float | None
    throughput_rps: float | None


@dataclass(frozen=True)
class Availability:
    ok: int
    total: int

    @property
    def percent(self) -> float:
        # ok*100/total rather than ok/total*100: 999 of 1000 gives exactly 99.9.
        return self.ok * 100 / self.total
