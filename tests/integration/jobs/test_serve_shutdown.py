"""SIGTERM stops the embedded server promptly, mid-ingestion, and nothing is lost.

Before, shutdown drained the in-process queue (``executor.shutdown(wait=True)``): a server
busy with a big document ignored SIGTERM until the document was done (tens of minutes for a
19 MB file) and needed ``kill -9``. Now the running job stops at its next checkpoint, queued
jobs stay pending in the database, and ``resume_unfinished`` picks them up at the next start.
Always the embedded backend: with Redis the worker, not the server, runs jobs."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from customercare.db.engine import make_engine, make_session_factory, transaction
from customercare.settings import Settings
from customercare.tenancy import service as tenancy
from tests.support.served import ccgpt_serve_process

EXIT_WITHIN_SECONDS = 10  # the queue's grace is 5 s, uvicorn's own shutdown well under 1 s


def big_manual(paragraphs: int) -> bytes:
    sentence = "Chapter {n} explains how the modem number {n} is reset with its button. "
    return "\n\n".join(sentence.format(n=n) * 4 for n in range(paragraphs)).encode()


def _status(api: httpx.Client, document_id: str) -> str:
    response = api.get(f"/api/v1/documents/{document_id}")
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


@pytest.mark.slow
def test_sigterm_mid_ingestion_exits_fast_and_the_document_resumes(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    environment = {
        "CCGPT_DATA_DIR": str(data_dir),
        "CCGPT_LOG_LEVEL": "INFO",
        "CCGPT_RATE_LIMIT_PER_IP_PER_MINUTE": "0",
        "CCGPT_RATE_LIMIT_PER_API_KEY_PER_MINUTE": "0",
    }
    log = tmp_path / "serve.log"
    with ccgpt_serve_process(environment, log=log) as (process, url):
        engine = make_engine(Settings(data_dir=data_dir).resolved_database_url)
        with transaction(make_session_factory(engine)) as session:
            workspace = tenancy.create_workspace(session, name="Shutdown")
            secret = tenancy.create_api_key(session, workspace_id=workspace.id, name="k").secret
        engine.dispose()
        headers = {"Authorization": f"Bearer {secret}"}
        with httpx.Client(base_url=url, headers=headers, timeout=30) as api:
            uploaded = api.post(
                "/api/v1/documents", files={"file": ("manual.txt", big_manual(600))}
            )
            assert uploaded.status_code == 202, uploaded.text
            document_id = uploaded.json()["document"]["id"]
            deadline = time.monotonic() + 60
            while _status(api, document_id) == "pending" and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1)  # well into embedding its ~300 passages
            assert _status(api, document_id) == "processing"

        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"ccgpt serve still running 60 s after SIGTERM:\n{log.read_text()}")
        exit_seconds = time.monotonic() - signalled
    assert exit_seconds < EXIT_WITHIN_SECONDS, log.read_text()
    # uvicorn re-raises the signal once its shutdown is complete: dying of it is the clean exit.
    assert process.returncode in (0, -signal.SIGTERM), log.read_text()

    restarted = time.monotonic()
    with (
        ccgpt_serve_process(environment, log=log) as (_, url),
        httpx.Client(base_url=url, headers=headers, timeout=30) as api,
    ):
        deadline = time.monotonic() + 180
        while (status := _status(api, document_id)) not in ("ready", "failed"):
            assert time.monotonic() < deadline, f"still {status} after the restart"
            time.sleep(0.2)
        document = api.get(f"/api/v1/documents/{document_id}").json()
    assert document["status"] == "ready", document
    print(
        f"\nshutdown: exited {exit_seconds:.2f} s after SIGTERM mid-ingestion; after the "
        f"restart the {document['chunk_count']}-passage document was ready in "
        f"{time.monotonic() - restarted:.1f} s (start-up included)"
    )
