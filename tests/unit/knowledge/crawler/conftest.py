"""Fixtures for the crawler tests: the fake help center, and a crawling client that records
every URL it requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from customercare.knowledge.crawler import make_client
from tests.unit.knowledge.crawler.fake_help_site import LIMITS, Recorder, Server, serve, site


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    # A handler thread may still be finishing its exit when the test ends: give it a moment.
    deadline = time.monotonic() + 5
    while True:
        leaked = {t for t in threading.enumerate() if t not in before and t.is_alive()}
        if not leaked or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert not leaked


@pytest.fixture
def server() -> Iterator[Server]:
    with serve(site) as running:
        yield running


@pytest.fixture
def sent() -> Recorder:
    return Recorder()


@pytest.fixture
def client(sent: Recorder) -> Iterator[httpx.Client]:
    with make_client(LIMITS) as crawl_client:
        crawl_client.event_hooks = {"request": [sent], "response": []}
        yield crawl_client
