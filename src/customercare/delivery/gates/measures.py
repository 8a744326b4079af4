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
    """``ok`` of ``total``: checks (a list of check results) or seconds (the status
    monitor's time-weighted history, for its worst component)."""

    ok: float
    total: float
    detail: str = ""

    @property
    def percent(self) -> float:
        # ok*100/total rather than ok/total*100: 999 of 1000 gives exactly 99.9.
        return self.ok * 100 / self.total

    def describe(self) -> str:
        return self.detail or f"{self.ok:g} of {self.total:g} checks ok"
