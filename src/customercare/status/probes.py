"""One probe of one check: HTTP status, body condition, response time and the TLS
certificate's expiry, decided into up, degraded (working but slow) or down."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from customercare.status.config import Check

__all__ = ["Observation", "probe"]

# A status endpoint's body is small; more than this is not read (and not needed).
MAX_BODY_BYTES = 1024 * 1024
USER_AGENT = "CustomerCareGPT-status/0.1"


@dataclass(frozen=True)
class Observation:
    check_name: str
    component: str
    checked_at: datetime
    state: str  # up, degraded, down
    status_code: int | None = None
    latency_ms: float | None = None
    reason: str | None = None
    cert_expires_at: datetime | None = None

    @property
    def failed(self) -> bool:
        return self.state == "down"


def _context(check: Check) -> ssl.SSLContext:
    # Verification always on: an invalid certificate is an outage for visitors too.
    if check.ca_file is not None:
        return ssl.create_default_context(cafile=str(check.ca_file))
    return ssl.create_default_context()


def _peer_expiry(response: httpx.Response) -> datetime | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    ssl_object = stream.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    certificate = ssl_object.getpeercert()
    not_after = certificate.get("notAfter") if certificate else None
    if not isinstance(not_after, str):
        return None
    return datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), UTC)


def _read_limited(response: httpx.Response) -> bytes:
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) >= MAX_BODY_BYTES:
            break
    return bytes(body[:MAX_BODY_BYTES])


_MISSING = object()


def _field(document: Any, path: str) -> Any:
    value = document
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _body_problem(check: Check, body: bytes) -> str | None:
    if check.body_contains is not None and check.body_contains.encode() not in body:
        return f"body does not contain {check.body_contains!r}"
    if check.json_field is None:
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return "body is not JSON"
    value = _field(document, check.json_field)
    if value is _MISSING:
        return f"JSON field {check.json_field!r} is missing"
    if "json_equals" in check.model_fields_set and value != check.json_equals:
        return (
            f"JSON field {check.json_field!r} is {json.dumps(value)[:60]}, "
            f"expected {json.dumps(check.json_equals)[:60]}"
        )
    return None


def probe(
    check: Check,
    *,
    now: datetime,
    clock: Callable[[], float] = time.perf_counter,
) -> Observation:
    """Probe ``check`` once. Never raises for what the endpoint does: every failure is an
    observation whose reason says what went wrong."""

    def seen(state: str, reason: str | None = None, **fields: Any) -> Observation:
        return Observation(check.name, check.component, now, state, reason=reason, **fields)

    started = clock()
    try:
        with (
            httpx.Client(
                verify=_context(check),
                timeout=check.timeout_seconds,
                follow_redirects=False,
                headers={"User-Agent": USER_AGENT},
            ) as client,
            client.stream(check.method, check.url) as response,
        ):
            expires = _peer_expiry(response)
            body = _read_limited(response)
    except httpx.TimeoutException:
        return seen("down", f"no answer within {check.timeout_seconds:g} s")
    except httpx.HTTPError as error:
        return seen("down", f"{type(error).__name__}: {error}"[:300])
    except (OSError, ssl.SSLError) as error:  # e.g. an unreadable ca_file
        return seen("down", f"{type(error).__name__}: {error}"[:300])
    latency = (clock() - started) * 1000
    fields: dict[str, Any] = {
        "status_code": response.status_code,
        "latency_ms": round(latency, 1),
        "cert_expires_at": expires,
    }
    if response.status_code not in check.expect_status:
        expected = ", ".join(str(code) for code in check.expect_status)
        return seen("down", f"HTTP {response.status_code}, expected {expected}", **fields)
    problem = _body_problem(check, body)
    if problem is not None:
        return seen("down", problem, **fields)
    if check.max_latency_ms is not None and latency > check.max_latency_ms:
        return seen(
            "down", f"answered in {latency:.0f} ms (limit {check.max_latency_ms:g})", **fields
        )
    if expires is not None and check.tls_min_days is not None:
        left = expires - now
        if left < timedelta(days=check.tls_min_days):
            days = left.total_seconds() / 86400
            return seen(
                "down",
                f"TLS certificate expires in {days:.1f} days (minimum {check.tls_min_days})",
                **fields,
            )
    if check.degraded_after_ms is not None and latency > check.degraded_after_ms:
        reason = f"slow: {latency:.0f} ms (degraded above {check.degraded_after_ms:g})"
        return seen("degraded", reason, **fields)
    return seen("up", **fields)
