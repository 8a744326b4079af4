"""Probes for the detailed health report: each dependency checked at once, each with its own
deadline, so one that hangs is reported as such instead of hanging the report."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Literal

__all__ = ["NotConfigured", "Probe", "ProbeResult", "run_probes"]

Status = Literal["ok", "error", "timeout", "not_configured"]
# A probe returns a short detail ("head 0005_live_handoff", "offline provider") or raises.
Probe = Callable[[], str]

_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="health")


@dataclass(frozen=True, slots=True)
class ProbeResult:
    status: Status
    latency_ms: float | None
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status, "latency_ms": self.latency_ms, "detail": self.detail}


class NotConfigured(Exception):
    """Raised by a probe whose dependency this deployment does not use."""


def run_probes(probes: Mapping[str, Probe], *, timeout_seconds: float) -> dict[str, ProbeResult]:
    started = {name: time.perf_counter() for name in probes}
    futures = {name: _POOL.submit(_timed, probe) for name, probe in probes.items()}
    deadline = time.monotonic() + timeout_seconds
    results: dict[str, ProbeResult] = {}
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            waited = round((time.perf_counter() - started[name]) * 1000, 1)
            results[name] = ProbeResult("timeout", waited, f"no answer within {timeout_seconds} s")
    return results


def _timed(probe: Probe) -> ProbeResult:
    started = time.perf_counter()
    try:
        detail = probe()
    except NotConfigured as reason:
        return ProbeResult("not_configured", None, str(reason))
    except Exception as error:  # a report: every failure is data, never an exception
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        return ProbeResult("error", elapsed, f"{type(error).__name__}: {str(error)[:200]}")
    return ProbeResult("ok", round((time.perf_counter() - started) * 1000, 1), detail)
