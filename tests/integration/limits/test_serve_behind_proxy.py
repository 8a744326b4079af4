"""``ccgpt serve`` as a real process behind a (simulated) reverse proxy: the per-IP rate limit
counts the customer's address from X-Forwarded-For only when the proxy is trusted
(``CCGPT_FORWARDED_ALLOW_IPS``); otherwise the header is ignored and a spoofed one buys
nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.loopback import free_port

CCGPT = Path(sys.executable).with_name("ccgpt")
LIMIT = 2
# Variables of the test run that would point the server elsewhere or trust other proxies.
INHERITED_SWITCHES = ("DATABASE_URL", "REDIS_URL", "CHROMA_URL", "FORWARDED_ALLOW_IPS")


@contextmanager
def serving(data_dir: Path, *, trusted_proxies: str) -> Iterator[str]:
    port = free_port()
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("CCGPT_") and name not in INHERITED_SWITCHES
    }
    environment.update(
        CCGPT_DATA_DIR=str(data_dir),
        CCGPT_FORWARDED_ALLOW_IPS=trusted_proxies,
        CCGPT_RATE_LIMIT_PER_IP_PER_MINUTE=str(LIMIT),
        CCGPT_LOG_LEVEL="WARNING",
    )
    process = subprocess.Popen(
        [str(CCGPT), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"ccgpt serve exited: {process.stderr.read() if process.stderr else ''!r}"
            )
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("ccgpt serve did not become healthy within 60 s")


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
