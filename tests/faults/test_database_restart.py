"""PostgreSQL restarts while customers chat with a real ``ccgpt serve``.

Every response is JSON (a 503 with Retry-After while the database is away), no connection is
cut, the pool recovers by itself, and every stored question ends with an answer record: the
answer stored on a retry, or a failed answer recorded by the repair sweep."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from customercare.settings import normalise_database_url
from tests.faults.conftest import base_environment, create_tenant, load, wait_for
from tests.support.embedding_server import EmbeddingServer
from tests.support.private_servers import PrivatePostgres
from tests.support.served import ccgpt_serve

pytestmark = [pytest.mark.faults, pytest.mark.slow]

GUIDE = (
    b"# Shipping guide\n\n## Iceland\n\n"
    b"Parcels to Iceland are delivered by Fjord Express within 6 business days.\n\n"
    b"## Returns\n\nPhones can be returned within 30 days of delivery for a full refund.\n"
)
RESTARTS = 2


def test_chat_survives_a_database_restart(
    postgres: PrivatePostgres,
    database_url: str,
    embeddings: EmbeddingServer,
    tmp_path: Path,
) -> None:
    environment = base_environment(database_url, embeddings, tmp_path / "data") | {
        # Questions an outage left without an answer are repaired quickly in this test.
        "CCGPT_ANSWER_REPAIR_AFTER_SECONDS": "3",
        "CCGPT_ANSWER_REPAIR_INTERVAL_SECONDS": "1",
    }
    with ccgpt_serve(environment, log=tmp_path / "serve.log", ready_path="/readyz") as url:
        _, key = create_tenant(database_url)
        headers = {"Authorization": f"Bearer {key}"}
        uploaded = httpx.post(
            f"{url}/api/v1/documents", headers=headers, files={"file": ("guide.md", GUIDE)}
        )
        assert uploaded.status_code == 202, uploaded.text
        document = f"{url}/api/v1/documents/{uploaded.json()['document']['id']}"
        wait_for(
            lambda: httpx.get(document, headers=headers).json()["status"] == "ready",
            timeout=60,
            what="the guide is indexed",
        )

        def ask(client: httpx.Client, number: int) -> httpx.Response:
            body = {"message": f"How long does delivery to Iceland take? ({number})"}
            if number % 3 == 0:
                body["stream"] = True  # type: ignore[assignment]
            return client.post("/api/v1/chat", headers=headers, json=body)

        def restarts() -> None:
            for _ in range(RESTARTS):
                time.sleep(1.5)
                postgres.restart()

        tally = load(ask, url=url, threads=4, seconds=6, during=restarts)
        print(f"database restart x{RESTARTS}: {tally.summary()}")

        assert tally.not_json == [], tally.not_json[:5]
        assert tally.statuses[500] == 0, tally.summary()
        assert tally.no_retry_after == 0, tally.summary()
        assert not tally.transport_errors, tally.summary()
        assert set(tally.statuses) <= {200, 503}, tally.summary()
        assert tally.statuses[200] > 0

        # The pool recovered by itself: the next question is answered.
        reply = httpx.post(f"{url}/api/v1/chat", headers=headers, json={"message": "Returns?"})
        assert reply.status_code == 200, reply.text

        engine = create_engine(normalise_database_url(database_url))
        try:

            def unanswered() -> int:
                with engine.connect() as connection:
                    return int(
                        connection.execute(
                            text("SELECT count(*) FROM messages WHERE status = 'pending'")
                        ).scalar_one()
                    )

            wait_for(lambda: unanswered() == 0, timeout=20, what="no question without answer")
            with engine.connect() as connection:
                rows = connection.execute(
                    text(
                        "SELECT conversation_id, role, provider FROM messages "
                        "ORDER BY conversation_id, created_at, id"
                    )
                ).all()
        finally:
            engine.dispose()
        by_conversation: dict[str, list[str]] = {}
        for conversation_id, role, _ in rows:
            by_conversation.setdefault(conversation_id, []).append(role)
        # Each conversation is one question and exactly one answer record, in that order.
        assert all(roles == ["user", "assistant"] for roles in by_conversation.values())
        repaired = sum(1 for *_, provider in rows if provider == "repair")
        print(f"questions: {len(by_conversation)}, answers repaired by the sweep: {repaired}")
