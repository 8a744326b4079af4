"""``ccgpt serve`` as a real process behind a (simulated) reverse proxy: the per-IP rate limit
counts the customer's address from X-Forwarded-For only when the proxy is trusted
(``CCGPT_FORWARDED_ALLOW_IPS``); otherwise the header is ignored and a spoofed one buys
nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.served import ccgpt_serve

LIMIT = 2


@contextmanager
def serving(data_dir: Path, *, trusted_proxies: str) -> Iterator[str]:
    environment = {
        "CCGPT_DATA_DIR": str(data_dir),
        "CCGPT_FORWARDED_ALLOW_IPS": trusted_proxies,
        "CCGPT_RATE_LIMIT_PER_IP_PER_MINUTE": str(LIMIT),
        "CCGPT_LOG_LEVEL": "WARNING",
    }
    with ccgpt_serve(environment) as url:
        yield url


def statuses(url: str, forwarded_for: list[str]) -> list[int]:
    return [
        httpx.get(
            f"{url}/api/v1/search", params={"q": "x"}, headers={"X-Forwarded-For": ip}, timeout=10
        ).status_code
        for ip in forwarded_for
    ]


@pytest.mark.slow
def test_a_trusted_proxy_gives_each_customer_their_own_limit(tmp_path: Path) -> None:
    with serving(tmp_path, trusted_proxies="127.0.0.1") as url:
        customers = [f"203.0.113.{n}" for n in range(1, LIMIT + 3)]
        assert 429 not in statuses(url, customers)  # 401s: limited per customer, not per proxy
        assert statuses(url, ["198.51.100.7"] * (LIMIT + 1))[-1] == 429


@pytest.mark.slow
def test_forwarded_headers_from_an_untrusted_peer_are_ignored(tmp_path: Path) -> None:
    with serving(tmp_path, trusted_proxies="192.0.2.10") as url:
        spoofed = [f"203.0.113.{n}" for n in range(1, LIMIT + 2)]
        assert statuses(url, spoofed)[-1] == 429  # all counted as 127.0.0.1
