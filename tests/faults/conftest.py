"""Fault tests: real processes (``ccgpt serve``, ``ccgpt worker``) against a private
PostgreSQL cluster and a private redis-server that the tests restart, stop and wipe, under a
few seconds of load from a few threads. Marked ``faults`` (``nox -s faults``) and ``slow``."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from customercare.db.engine import make_session_factory, transaction
from customercare.settings import normalise_database_url
from customercare.tenancy import service as tenancy
from tests.support.embedding_server import EmbeddingServer
from tests.support.private_servers import PrivatePostgres, private_postgres


@pytest.fixture(scope="session")
def postgres() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


@pytest.fixture
def database_url(postgres: PrivatePostgres) -> str:
    """A database of its own in the private cluster."""
    name = f"faults_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_database_url(postgres.url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return postgres.url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def embeddings() -> Iterator[EmbeddingServer]:
    with EmbeddingServer(dimension=64) as server:
        yield server


def base_environment(database_url: str, embeddings: EmbeddingServer, data: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "CCGPT_DATA_DIR": str(data),
        "CCGPT_EMBEDDER": "openai_compatible",
        "CCGPT_EMBEDDING_API_BASE": embeddings.url,
        "CCGPT_RATE_LIMIT_PER_IP_PER_MINUTE": "0",
        "CCGPT_RATE_LIMIT_PER_API_KEY_PER_MINUTE": "0",
        "CCGPT_QUOTAS_ENABLED": "false",
        "CCGPT_LOG_LEVEL": "WARNING",
    }


def create_tenant(database_url: str) -> tuple[str, str]:
    """A workspace and an API key, written straight to the database (serve migrated it)."""
    engine = create_engine(normalise_database_url(database_url))
    try:
        with transaction(make_session_factory(engine)) as session:
            workspace = tenancy.create_workspace(session, name="Faults")
            issued = tenancy.create_api_key(session, workspace_id=workspace.id, name="faults")
            return workspace.id, issued.secret
    finally:
        engine.dispose()


@dataclass
class Tally:
    """What the clients saw: status codes, and everything a client must never see."""

    statuses: Counter[int] = field(default_factory=Counter)
    not_json: list[str] = field(default_factory=list)
    no_retry_after: int = 0
    transport_errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, response: httpx.Response) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            kind = response.headers.get("content-type", "")
            if not kind.startswith(("application/json", "text/event-stream")):
                self.not_json.append(f"{response.status_code} {kind}: {response.text[:80]}")
            if response.status_code == 503 and "retry-after" not in response.headers:
                self.no_retry_after += 1

    def failed(self, error: Exception) -> None:
        with self.lock:
            self.transport_errors[type(error).__name__] += 1

    def summary(self) -> dict[str, Any]:
        return {
            "statuses": dict(self.statuses),
            "not_json": len(self.not_json),
            "503_without_retry_after": self.no_retry_after,
            "transport_errors": dict(self.transport_errors),
        }


def load(
    send: Callable[[httpx.Client, int], httpx.Response],
    *,
    url: str,
    threads: int,
    seconds: float,
    during: Callable[[], None],
) -> Tally:
    """``threads`` clients call ``send`` in a loop for ``seconds`` while ``during`` runs."""
    tally = Tally()
    stop = threading.Event()

    def client_loop(number: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            sent = 0
            while not stop.is_set():
                sent += 1
                try:
                    tally.record(send(client, (number + 1) * 100_000 + sent))
                except httpx.TransportError as error:
                    tally.failed(error)

    workers = [threading.Thread(target=client_loop, args=(n,)) for n in range(threads)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    try:
        during()
        time.sleep(max(0.0, seconds - (time.monotonic() - started)))
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
    return tally


def wait_for(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.2)
