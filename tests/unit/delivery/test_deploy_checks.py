"""The watch window's verdict from two /metrics samples, and the release middleware."""

from __future__ import annotations

import math

import httpx
import pytest
from fastapi import FastAPI

from customercare.delivery.deploy.checks import Sample, verdict_between
from customercare.http_edge.release import ReleaseMiddleware

LIMITS = {"max_error_rate": 0.01, "max_p95_seconds": 2.0}
BEFORE = Sample(total=100, errors=1, buckets={0.1: 90, 0.5: 99, 2.5: 100, math.inf: 100})


def test_no_traffic_is_inconclusive_not_healthy() -> None:
    verdict = verdict_between(BEFORE, BEFORE, **LIMITS)
    assert verdict.verdict == "inconclusive"
    assert verdict.requests == 0


def test_fast_clean_traffic_is_healthy() -> None:
    after = Sample(total=200, errors=1, buckets={0.1: 185, 0.5: 199, 2.5: 200, math.inf: 200})
    verdict = verdict_between(BEFORE, after, **LIMITS)
    assert verdict.verdict == "healthy"
    assert verdict.p95_seconds == 0.1
    assert verdict.error_rate == 0


def test_errors_over_the_threshold_are_unhealthy() -> None:
    after = Sample(total=200, errors=3, buckets={0.1: 190, 0.5: 199, 2.5: 200, math.inf: 200})
    verdict = verdict_between(BEFORE, after, **LIMITS)
    assert verdict.verdict == "unhealthy"
    assert "error rate" in verdict.reason


def test_a_slow_p95_is_unhealthy() -> None:
    after = Sample(total=200, errors=1, buckets={0.1: 100, 0.5: 110, 2.5: 200, math.inf: 200})
    verdict = verdict_between(BEFORE, after, **LIMITS)
    assert verdict.verdict == "unhealthy"
    assert verdict.p95_seconds == 2.5


def _app(*, fail_chat: bool) -> FastAPI:
    app = FastAPI()

    @app.post("/api/v1/chat")
    def chat() -> dict[str, str]:
        return {"answer": "ok"}

    app.add_middleware(ReleaseMiddleware, version="v7", fail_chat=fail_chat)
    return app


@pytest.mark.anyio
async def test_every_response_names_the_release_and_the_fault_hits_proxied_chat_only() -> None:
    transport = httpx.ASGITransport(app=_app(fail_chat=True))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        direct = await client.post("/api/v1/chat")
        proxied = await client.post("/api/v1/chat", headers={"X-Forwarded-For": "10.0.0.1"})
    assert direct.status_code == 200
    assert direct.headers["x-ccgpt-version"] == "v7"
    assert proxied.status_code == 500
    assert proxied.json()["error"]["code"] == "internal_error"
    assert proxied.headers["x-ccgpt-version"] == "v7"
