"""The load-test gates (p95, p99, error rate, throughput): the worst across the k6, Locust and
Artillery reports that exist, since any one tool showing a regression is a regression."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from customercare.delivery.gates.checks.common import limit, shown, unreadable
from customercare.delivery.gates.measures import PerfSample
from customercare.delivery.gates.readers import ReportError, read_artillery, read_k6, read_locust
from customercare.delivery.gates.thresholds import ReportPaths, Thresholds
from customercare.delivery.gates.verdict import GateResult, Verdict, not_evaluated


@dataclass(frozen=True)
class _Metric:
    gate: str
    label: str
    unit: str
    value: Callable[[PerfSample], float | None]
    limit: Callable[[Thresholds], float]
    fails: Literal["below", "above"]  # a maximum fails above it, a minimum below it


_METRICS = (
    _Metric("performance_p95", "p95", " ms", lambda s: s.p95_ms, lambda t: t.p95_max_ms, "above"),
    _Metric("performance_p99", "p99", " ms", lambda s: s.p99_ms, lambda t: t.p99_max_ms, "above"),
    _Metric(
        "error_rate",
        "error rate",
        "%",
        lambda s: s.error_rate_percent,
        lambda t: t.error_rate_max_percent,
        "above",
    ),
    _Metric(
        "throughput",
        "throughput",
        " req/s",
        lambda s: s.throughput_rps,
        lambda t: t.throughput_min_rps,
        "below",
    ),
)


def _load(paths: ReportPaths) -> tuple[list[PerfSample], list[Path], list[str]]:
    readers: tuple[tuple[Path, Callable[[Path], PerfSample]], ...] = (
        (paths.k6, read_k6),
        (paths.locust, read_locust),
        (paths.artillery, read_artillery),
    )
    samples, missing, problems = [], [], []
    for path, read in readers:
        if not path.is_file():
            missing.append(path)
            continue
        try:
            samples.append(read(path))
        except ReportError as error:
            problems.append(str(error))
    return samples, missing, problems


def _gate(
    metric: _Metric,
    thresholds: Thresholds,
    samples: list[PerfSample],
    missing: list[Path],
    problems: list[str],
) -> GateResult:
    bound = metric.limit(thresholds)
    threshold = f"{'<=' if metric.fails == 'above' else '>='} {limit(bound)}{metric.unit}"
    if problems:
        return unreadable(metric.gate, threshold, problems)
    measured = [(s.source, v) for s in samples if (v := metric.value(s)) is not None]
    if not measured:
        if not samples:
            reason = "report missing: " + ", ".join(str(path) for path in missing)
        else:
            reason = f"no {metric.label} in: " + ", ".join(s.source for s in samples)
        return not_evaluated(metric.gate, threshold, reason)
    pick = max if metric.fails == "above" else min
    source, worst = pick(measured, key=lambda item: item[1])
    passed = worst <= bound if metric.fails == "above" else worst >= bound
    detail = ", ".join(
        f"{name} {shown(value, fails=metric.fails)}{metric.unit}" for name, value in measured
    )
    return GateResult(
        metric.gate,
        threshold,
        f"{shown(worst, fails=metric.fails)}{metric.unit} ({source})",
        Verdict.PASS if passed else Verdict.FAIL,
        f"worst of: {detail}",
    )


def performance_gates(paths: ReportPaths, thresholds: Thresholds) -> list[GateResult]:
    samples, missing, problems = _load(paths)
    return [_gate(metric, thresholds, samples, missing, problems) for metric in _METRICS]
