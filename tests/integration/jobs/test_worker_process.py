"""A ``ccgpt worker`` process dies mid-job: another worker finishes the job, exactly once.

Real processes against PostgreSQL, Redis and a Chroma server (production backend only). The
embedding service is a loopback server that stalls, so the first worker is caught inside the
job (the message claimed, not acknowledged) when it is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest
import redis
from sqlalchemy import create_engine, func, select, text

from customercare.bootstrap import build_runtime
from customercare.db.engine import transaction
from customercare.db.migrate import upgrade
from customercare.knowledge import service
from customercare.knowledge.models import ChunkRecord, Document
from customercare.runtime import Runtime
from customercare.search.embedding.openai_compatible import OpenAICompatibleEmbedder
from customercare.search.keyword.models import KeywordChunk
from customercare.settings import Settings, normalise_database_url
from customercare.tenancy import service as tenancy
from tests.support.embedding_server import EmbeddingServer

pytestmark = [
    pytest.mark.production,
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("CCGPT_TEST_BACKEND") != "production",
        reason="needs the production backend (CCGPT_TEST_BACKEND=production)",
    ),
]

CCGPT = Path(sys.executable).parent / "ccgpt"
HEARTBEAT_TIMEOUT_MS = 2000
SERVER_URL_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CHROMA_URL")


def required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"the production backend needs {name}")
    return value


def guide() -> bytes:
    sections = [
        f"## {topic}\n\n" + f"Everything about {topic} for customers of the shop. " * 30
        for topic in ("delivery", "returns", "payments", "warranty")
    ]
    return ("# Shop handbook\n\n" + "\n\n".join(sections) + "\n").encode()


@pytest.fixture
def database_url() -> Iterator[str]:
    admin_url = normalise_database_url(required("CCGPT_TEST_DATABASE_URL"))
    name = f"ccgpt_worker_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        base, _, _ = admin_url.rpartition("/")
        yield f"{base}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def server() -> Iterator[EmbeddingServer]:
    with EmbeddingServer(dimension=64) as running:
        yield running


@pytest.fixture
def settings(database_url: str, server: EmbeddingServer, tmp_path: Path) -> Settings:
    return Settings(
        DATABASE_URL=database_url,
        REDIS_URL=required("CCGPT_TEST_REDIS_URL"),
        CHROMA_URL=required("CCGPT_TEST_CHROMA_URL"),
        data_dir=tmp_path / "data",
        embedder="openai_compatible",
        embedding_api_base=server.url,
        job_queue_name=f"ccgpt-worker-test-{uuid.uuid4().hex[:8]}",
        job_heartbeat_timeout_ms=HEARTBEAT_TIMEOUT_MS,
    )


@pytest.fixture
def runtime(settings: Settings, server: EmbeddingServer) -> Iterator[Runtime]:
    upgrade(settings.resolved_database_url)
    embedder = OpenAICompatibleEmbedder(
        base_url=server.url, model=settings.embedding_api_model, api_key=None
    )
    built = build_runtime(settings, jobs="redis", embedder=embedder)
    try:
        yield built
    finally:
        built.close()
        embedder.close()
        assert settings.redis_url is not None
        client = redis.Redis.from_url(settings.redis_url)
        try:
            keys = list(client.scan_iter(match=f"*{settings.job_queue_name}*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


class WorkerProcess:
    """One ``ccgpt worker`` subprocess, its output in a file."""

    def __init__(self, name: str, settings: Settings, directory: Path) -> None:
        self.name = name
        self.log_path = directory / f"{name}.log"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("CCGPT_") and key not in SERVER_URL_VARIABLES
        }
        assert settings.embedding_api_base is not None
        env |= {
            "DATABASE_URL": settings.resolved_database_url,
            "REDIS_URL": settings.redis_url or "",
            "CHROMA_URL": settings.chroma_url or "",
            "CCGPT_EMBEDDER": "openai_compatible",
            "CCGPT_EMBEDDING_API_BASE": settings.embedding_api_base,
            "CCGPT_EMBEDDING_API_KEY": name,
            "CCGPT_JOB_QUEUE_NAME": settings.job_queue_name,
            "CCGPT_JOB_HEARTBEAT_TIMEOUT_MS": str(settings.job_heartbeat_timeout_ms),
            "CCGPT_DATA_DIR": str(settings.data_dir),
            "PYTHONUNBUFFERED": "1",
        }
        self._log: IO[bytes] = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(CCGPT), "worker"],
            env=env,
            cwd=directory,  # no stray .env file is read
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def document_row(runtime: Runtime, document_id: str) -> Document:
    with runtime.sessions() as session:
        document = session.get(Document, document_id)
    assert document is not None
    return document


def wait_for(condition: str, predicate: Callable[[], bool], *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {condition}")
        time.sleep(0.1)


def test_killed_worker_job_is_finished_by_another_worker_once(
    runtime: Runtime, server: EmbeddingServer, settings: Settings, tmp_path: Path
) -> None:
    with transaction(runtime.sessions) as session:
        workspace_id = tenancy.create_workspace(session, name="Worker death").id
    workers: list[WorkerProcess] = []
    try:
        server.stall()
        workers.append(WorkerProcess("worker-1", settings, tmp_path))
        outcome = service.ingest_bytes(
            runtime, workspace_id=workspace_id, data=guide(), filename="handbook.md"
        )
        document_id = outcome.document.id

        # The worker has claimed the job and is blocked inside the embedding call. (Each
        # worker sends its name as the embedding API key, so the server knows who calls.)
        assert server.wait_for_stalled(timeout=40), "the worker never called the embedder"
        assert server.authorizations == ["Bearer worker-1"]
        claimed = document_row(runtime, document_id)
        assert (claimed.status, claimed.attempts) == ("processing", 1)

        workers[0].kill()
        assert workers[0].process.returncode == -signal.SIGKILL
        server.release()
        requests_before_recovery = server.request_count
        workers.append(WorkerProcess("worker-2", settings, tmp_path))

        # The first worker's heartbeat stopped: after the timeout the second one requeues
        # the job and runs it again.
        wait_for(
            "the document to be indexed by the second worker",
            lambda: document_row(runtime, document_id).status in {"ready", "failed"},
            timeout=60,
        )
        document = document_row(runtime, document_id)
        assert document.status == "ready", (document.failure_code, document.failure_reason)
        assert document.attempts >= 2
        assert document.chunk_count >= 4
        recovery = server.authorizations[requests_before_recovery:]
        assert recovery
        assert set(recovery) == {"Bearer worker-2"}
        with runtime.sessions() as session:
            chunk_rows = session.scalar(
                select(func.count())
                .select_from(ChunkRecord)
                .where(ChunkRecord.document_id == document_id)
            )
            keyword_rows = session.scalar(
                select(func.count())
                .select_from(KeywordChunk)
                .where(KeywordChunk.document_id == document_id)
            )
        assert chunk_rows == keyword_rows == document.chunk_count
        assert runtime.vector_store.count(workspace_id=workspace_id) == document.chunk_count
    except BaseException:
        for worker in workers:
            worker.stop()
            print(f"----- {worker.name} output -----\n{worker.output()}", file=sys.stderr)
        raise
    finally:
        server.release()
        for worker in workers:
            worker.stop()
        runtime.vector_store.delete_workspace(workspace_id=workspace_id)
