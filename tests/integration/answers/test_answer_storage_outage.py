"""The database goes away as a turn ends: the answer is stored once it is back (retried,
never twice), and a question whose answer could not be stored at all is repaired by the
sweep into a failed answer that the conversation shows. A question never stays without one."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from customercare.answers import engine
from customercare.conversations import service as conversations
from customercare.errors import DatabaseUnavailable
from customercare.runtime import Runtime
from customercare.sweeps import repair_answers


class FlakySessions:
    """A session factory whose next ``failures`` sessions cannot reach the database."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions, self.failures, self.calls = sessions, 0, 0

    def __call__(self) -> Session:
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise OperationalError("connect", {}, ConnectionRefusedError("connection refused"))
        return self._sessions()


@pytest.fixture
def flaky(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> tuple[Runtime, FlakySessions]:
    monkeypatch.setattr(engine, "STORE_RETRY_DELAYS", (0.01, 0.01, 0.01))
    sessions = FlakySessions(runtime.sessions)
    return dataclasses.replace(runtime, sessions=sessions), sessions  # type: ignore[arg-type]


def messages_of(runtime: Runtime, tenant: Any, conversation_id: str) -> list[tuple[str, str]]:
    with runtime.sessions() as session:
        return [
            (m.role, m.status)
            for m in conversations.list_messages(
                session, workspace_id=tenant.workspace_id, conversation_id=conversation_id
            )
        ]


def test_the_answer_is_stored_once_the_database_is_back(
    flaky: tuple[Runtime, FlakySessions], runtime: Runtime, tenant: Any
) -> None:
    context, sessions = flaky
    turn = engine.start_turn(context, workspace_id=tenant.workspace_id, message="Hello?")
    assert messages_of(runtime, tenant, turn.conversation_id) == [("user", "pending")]
    events = engine.reply(context, turn)
    sessions.failures = 2  # the retrieval's session, then the first attempt to store
    with pytest.raises((DatabaseUnavailable, OperationalError)):
        events.collect()
    # The failed turn is stored on the retry, exactly once, and answers the question.
    assert messages_of(runtime, tenant, turn.conversation_id) == [
        ("user", "complete"),
        ("assistant", "failed"),
    ]


def test_a_complete_answer_survives_a_failed_commit(
    flaky: tuple[Runtime, FlakySessions], runtime: Runtime, tenant: Any
) -> None:
    context, sessions = flaky
    turn = engine.start_turn(context, workspace_id=tenant.workspace_id, message="Hello?")
    stream = engine.reply(context, turn)
    events = []
    for event in stream:
        events.append(event)
        if event.type == "token":
            sessions.failures = 2  # down while the answer is streamed: both first attempts
    assert events[-1].type == "done"
    assert messages_of(runtime, tenant, turn.conversation_id) == [
        ("user", "complete"),
        ("assistant", "complete"),
    ]


def test_an_answer_that_could_not_be_stored_is_repaired_as_failed(
    flaky: tuple[Runtime, FlakySessions], runtime: Runtime, tenant: Any
) -> None:
    context, sessions = flaky
    turn = engine.start_turn(context, workspace_id=tenant.workspace_id, message="Hello?")
    stream = engine.reply(context, turn)
    sessions.failures = 100  # down for longer than every retry
    with pytest.raises((DatabaseUnavailable, OperationalError)):
        stream.collect()
    sessions.failures = 0
    assert messages_of(runtime, tenant, turn.conversation_id) == [("user", "pending")]

    assert repair_answers(runtime.sessions, after_seconds=3600) == 0  # too recent to tell
    repaired = repair_answers(runtime.sessions, after_seconds=0)
    assert repaired >= 1
    assert messages_of(runtime, tenant, turn.conversation_id) == [
        ("user", "complete"),
        ("assistant", "failed"),
    ]
    assert repair_answers(runtime.sessions, after_seconds=0) == 0  # once only

    # The conversation's API shows the failure right after the question.
    response = tenant.client.get(
        f"/api/v1/conversations/{turn.conversation_id}", headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    shown = [(m["role"], m["status"]) for m in response.json()["messages"]]
    assert shown == [("user", "complete"), ("assistant", "failed")]


def test_a_turn_whose_answer_is_stored_leaves_nothing_to_repair(
    runtime: Runtime, tenant: Any
) -> None:
    turn = engine.start_turn(runtime, workspace_id=tenant.workspace_id, message="Hi")
    engine.reply(runtime, turn).collect()
    repair_answers(runtime.sessions, after_seconds=0)
    assert messages_of(runtime, tenant, turn.conversation_id) == [
        ("user", "complete"),
        ("assistant", "complete"),
    ]
