"""Redis goes away and comes back empty while documents are uploaded to a real
``ccgpt serve`` and processed by a real ``ccgpt worker``.

Uploads while Redis is down are stored and answered 202 (never a 500, never half-registered);
documents queued before Redis lost its data, and those uploaded while it was down, are
re-queued by the worker's sweep and end ready, each with its chunks exactly once."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import chromadb
import httpx
import pytest
from sqlalchemy import create_engine, text

from customercare.settings import normalise_database_url
from tests.faults.conftest import base_environment, create_tenant, load, wait_for
from tests.support.embedding_server import EmbeddingServer
from tests.support.private_servers import private_redis
from tests.support.served import CCGPT, INHERITED_SWITCHES, ccgpt_serve

pytestmark = [pytest.mark.faults, pytest.mark.slow]

QUEUED_BEFORE = 5


def document(number: int) -> bytes:
    return (
        f"# Note {number}\n\n## Topic {number}\n\n"
        + f"Customers asked about topic number {number} and here is the answer. " * 40
        + "\n"
    ).encode()


def test_documents_survive_redis_restarting_empty(
    database_url: str, embeddings: EmbeddingServer, tmp_path: Path
) -> None:
    with private_redis() as redis_server:
        environment = base_environment(database_url, embeddings, tmp_path / "api") | {
            "REDIS_URL": redis_server.url,
            "CCGPT_JOB_STALE_SECONDS": "2",
            "CCGPT_JOB_SWEEP_INTERVAL_SECONDS": "1",
            "CCGPT_JOB_HEARTBEAT_TIMEOUT_MS": "2000",
        }
        with ccgpt_serve(environment, log=tmp_path / "serve.log", ready_path="/readyz") as url:
            _, key = create_tenant(database_url)
            headers = {"Authorization": f"Bearer {key}"}

            def upload(client: httpx.Client, number: int) -> httpx.Response:
                return client.post(
                    "/api/v1/documents",
                    headers=headers,
                    files={"file": (f"note-{number}.md", document(number))},
                )

            # Queued in Redis; no worker runs yet, so the messages wait there...
            with httpx.Client(base_url=url, timeout=30) as client:
                for number in range(QUEUED_BEFORE):
                    assert upload(client, number).status_code == 202
            # ...and are lost: Redis dies and comes back empty, with uploads going on.
            tally = load(
                upload, url=url, threads=3, seconds=3, during=lambda: outage(redis_server, url)
            )
            print(f"redis outage: {tally.summary()}")
            assert tally.not_json == [], tally.not_json[:5]
            assert tally.statuses[500] == 0, tally.summary()
            assert not tally.transport_errors, tally.summary()
            assert set(tally.statuses) <= {202, 503}, tally.summary()
            assert httpx.get(f"{url}/readyz").json()["checks"]["redis"] == "ok"

            worker = start_worker(environment, tmp_path)
            try:
                engine = create_engine(normalise_database_url(database_url))

                def counts() -> dict[str, int]:
                    with engine.connect() as connection:
                        rows = connection.execute(
                            text("SELECT status, count(*) FROM documents GROUP BY status")
                        ).all()
                    return {status: int(count) for status, count in rows}

                wait_for(
                    lambda: set(counts()) == {"ready"}, timeout=90, what="every document ready"
                )
                with engine.connect() as connection:
                    chunks = connection.execute(
                        text(
                            "SELECT count(*), count(DISTINCT (document_id, position)), "
                            "(SELECT sum(chunk_count) FROM documents) FROM chunks"
                        )
                    ).one()
                engine.dispose()
            finally:
                worker.terminate()
                worker.wait(timeout=30)
    total, distinct, expected = chunks
    print(f"documents ready: {counts_total(tally) + QUEUED_BEFORE}, chunks: {total}")
    assert total == distinct == expected  # no chunk twice
    # The vectors too: one per chunk (ids are deterministic, upserts idempotent).
    client = chromadb.PersistentClient(
        path=str(tmp_path / "worker" / "chroma"),
        settings=chromadb.Settings(anonymized_telemetry=False),
    )
    assert sum(c.count() for c in client.list_collections()) == expected


def counts_total(tally: object) -> int:
    return int(getattr(tally, "statuses", {}).get(202, 0))


def outage(redis_server: object, url: str) -> None:
    time.sleep(0.5)
    redis_server.stop()  # type: ignore[attr-defined]
    time.sleep(0.3)
    ready = httpx.get(f"{url}/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["redis"].startswith("error")
    time.sleep(1.2)
    redis_server.start()  # type: ignore[attr-defined]


def start_worker(environment: dict[str, str], tmp_path: Path) -> subprocess.Popen[bytes]:
    variables = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("CCGPT_") and name not in INHERITED_SWITCHES
    }
    # Its own data directory: embedded Chroma is one process's.
    variables |= environment | {"CCGPT_DATA_DIR": str(tmp_path / "worker")}
    log = (tmp_path / "worker.log").open("wb")
    return subprocess.Popen(
        [str(CCGPT), "worker"], env=variables, stdout=log, stderr=subprocess.STDOUT
    )
