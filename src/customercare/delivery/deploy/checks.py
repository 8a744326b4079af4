"""What decides whether a slot may take traffic (the smoke tests, against the slot's own port)
and whether it may keep it (the watch window, over the slot's own ``/metrics``)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

__all__ = ["Sample", "SmokeResult", "Verdict", "scrape", "smoke_test", "verdict_between", "watch"]

# The deployer's own probes are not traffic.
PROBE_ROUTES = {"/metrics", "/readyz", "/healthz"}


@dataclass(frozen=True)
class SmokeResult:
    name: str
    ok: bool
    detail: str


def smoke_test(
    base: str, *, api_key: str | None, question: str, refusal_question: str
) -> list[SmokeResult]:
    """A cited answer and an honest refusal (with the smoke workspace's key), the widget
    loader, readiness. Sign-in and the dashboard page join when they exist."""
    results: list[SmokeResult] = []
    with httpx.Client(base_url=base, timeout=30) as client:
        ready = client.get("/readyz")
        results.append(SmokeResult("readyz", ready.status_code == 200, f"{ready.status_code}"))
        widget = client.get("/widget.js")
        results.append(
            SmokeResult(
                "widget.js",
                widget.status_code == 200
                and "javascript" in widget.headers.get("content-type", ""),
                f"{widget.status_code} {widget.headers.get('content-type', '')}",
            )
        )
        if api_key is None:
            results.append(SmokeResult("chat", True, "skipped: no CCGPT_DEPLOY_SMOKE_API_KEY"))
            return results
        headers = {"Authorization": f"Bearer {api_key}"}
        answer = client.post("/api/v1/chat", headers=headers, json={"message": question})
        body = answer.json() if answer.status_code == 200 else {}
        cited = body.get("decision") == "answered" and bool(body.get("citations"))
        results.append(
            SmokeResult(
                "cited answer",
                cited,
                f"{answer.status_code} {body.get('decision')} {len(body.get('citations') or [])}"
                " citations",
            )
        )
        refusal = client.post("/api/v1/chat", headers=headers, json={"message": refusal_question})
        body = refusal.json() if refusal.status_code == 200 else {}
        results.append(
            SmokeResult(
                "honest refusal",
                body.get("decision") == "no_answer" and not body.get("citations"),
                f"{refusal.status_code} {body.get('decision')}",
            )
        )
    return results


@dataclass(frozen=True)
class Sample:
    """Cumulative request counts and duration buckets of one slot, probes left out."""

    total: float
    errors: float
    buckets: dict[float, float]


def scrape(port: int) -> Sample:
    response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    response.raise_for_status()
    total = errors = 0.0
    buckets: dict[float, float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.labels.get("route") in PROBE_ROUTES:
                continue
            if sample.name == "ccgpt_http_requests_total":
                total += sample.value
                if sample.labels.get("status") == "5xx":
                    errors += sample.value
            elif sample.name == "ccgpt_http_request_duration_seconds_bucket":
                bound = float(sample.labels["le"])
                buckets[bound] = buckets.get(bound, 0.0) + sample.value
    return Sample(total, errors, buckets)


@dataclass(frozen=True)
class Verdict:
    # healthy, inconclusive or unhealthy
    verdict: str
    requests: int
    error_rate: float | None
    p95_seconds: float | None
    reason: str


def verdict_between(
    before: Sample, after: Sample, *, max_error_rate: float, max_p95_seconds: float
) -> Verdict:
    requests = after.total - before.total
    if requests <= 0:
        return Verdict("inconclusive", 0, None, None, "no traffic reached the slot")
    rate = (after.errors - before.errors) / requests
    p95 = math.inf
    for bound in sorted(after.buckets):
        if after.buckets[bound] - before.buckets.get(bound, 0.0) >= 0.95 * requests:
            p95 = bound
            break
    figures = f"{int(requests)} requests, error rate {rate:.1%}, p95 <= {p95:g} s"
    if rate > max_error_rate:
        return Verdict(
            "unhealthy",
            int(requests),
            rate,
            p95,
            f"error rate over {max_error_rate:.1%}: {figures}",
        )
    if p95 > max_p95_seconds:
        return Verdict(
            "unhealthy", int(requests), rate, p95, f"p95 over {max_p95_seconds:g} s: {figures}"
        )
    return Verdict("healthy", int(requests), rate, p95, figures)


def watch(
    port: int,
    *,
    seconds: float,
    max_error_rate: float,
    max_p95_seconds: float,
    interval: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
) -> Verdict:
    """Read the slot's metrics every ``interval`` for ``seconds``; stop early on a crossed
    threshold (with at least 10 requests, so one unlucky request does not roll back) or when
    the slot stops answering."""
    before = scrape(port)
    deadline = clock() + seconds
    latest = before
    while clock() < deadline:
        time.sleep(min(interval, max(0.0, deadline - clock())))
        try:
            latest = scrape(port)
        except httpx.HTTPError as error:
            return Verdict("unhealthy", 0, None, None, f"/metrics unreachable: {error}")
        current = verdict_between(
            before, latest, max_error_rate=max_error_rate, max_p95_seconds=max_p95_seconds
        )
        if current.verdict == "unhealthy" and current.requests >= 10:
            return current
    return verdict_between(
        before, latest, max_error_rate=max_error_rate, max_p95_seconds=max_p95_seconds
    )
