"""The mail outbox: a mail exists exactly when the change that sends it is committed, is
delivered once, and survives a crash or a failing mail server until a later delivery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from customercare.db.engine import transaction
from customercare.ids import utcnow
from customercare.mail import OutboxMailer, deliver
from customercare.mail.models import OutboundMail
from customercare.mail.outbox import CLAIM_TIMEOUT
from customercare.runtime import Runtime


class RecordingMailer:
    def __init__(self, *, failing: bool = False) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.failing = failing

    def send(self, to: str, subject: str, text: str) -> None:
        if self.failing:
            raise ConnectionRefusedError("mail server down")
        self.sent.append((to, subject, text))


def queue(runtime: Runtime, to: str) -> str:
    """A committed mail whose delivery never ran (the process died after the commit)."""
    queued: list[str] = []
    with transaction(runtime.sessions) as session:
        OutboxMailer(session, queued.append).send(to, "Hello", f"a link for {to}")
    return queued[0]


def row(runtime: Runtime, mail_id: str) -> OutboundMail | None:
    with runtime.sessions() as session:
        return session.get(OutboundMail, mail_id)


def test_a_rolled_back_change_sends_no_mail(runtime: Runtime) -> None:
    queued: list[str] = []

    def failing_change() -> None:
        with transaction(runtime.sessions) as session:
            OutboxMailer(session, queued.append).send("a@example.com", "Hello", "text")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert row(runtime, queued[0]) is None
    mailer = RecordingMailer()
    assert deliver(runtime.sessions, mailer, ids=queued) == 0
    assert mailer.sent == []


def test_mail_left_by_a_crash_is_delivered_once(runtime: Runtime) -> None:
    mail_id = queue(runtime, "crash@example.com")
    mailer = RecordingMailer()
    assert deliver(runtime.sessions, mailer, ids=[mail_id]) == 1
    assert deliver(runtime.sessions, mailer, ids=[mail_id]) == 0
    assert mailer.sent == [("crash@example.com", "Hello", "a link for crash@example.com")]
    sent = row(runtime, mail_id)
    assert sent is not None
    assert sent.sent_at is not None
    assert sent.body == ""  # the single-use link does not stay in the database


def test_a_failed_delivery_is_retried_later(runtime: Runtime) -> None:
    mail_id = queue(runtime, "retry@example.com")
    assert deliver(runtime.sessions, RecordingMailer(failing=True), ids=[mail_id]) == 0
    failed = row(runtime, mail_id)
    assert failed is not None
    assert (failed.sent_at, failed.attempts, failed.last_error) == (
        None,
        1,
        "ConnectionRefusedError",
    )
    working = RecordingMailer()
    assert deliver(runtime.sessions, working, ids=[mail_id]) == 1
    assert [to for to, _, _ in working.sent] == ["retry@example.com"]


def test_a_claimed_mail_is_left_to_its_process_until_the_claim_is_stale(
    runtime: Runtime,
) -> None:
    mail_id = queue(runtime, "claimed@example.com")
    with transaction(runtime.sessions) as session:
        session.execute(
            update(OutboundMail).where(OutboundMail.id == mail_id).values(claimed_at=utcnow())
        )
    mailer = RecordingMailer()
    assert deliver(runtime.sessions, mailer, ids=[mail_id]) == 0
    with transaction(runtime.sessions) as session:
        stale = utcnow() - CLAIM_TIMEOUT - timedelta(seconds=1)
        session.execute(
            update(OutboundMail).where(OutboundMail.id == mail_id).values(claimed_at=stale)
        )
    assert deliver(runtime.sessions, mailer, ids=[mail_id]) == 1


def test_sign_up_mail_goes_through_the_outbox(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailer = RecordingMailer()
    monkeypatch.setattr(runtime, "_mailer", mailer)
    email = "outbox-signup@example.com"
    response = client.post(
        "/api/v1/auth/sign-up",
        json={"email": email, "password": "Correct-Horse-Battery-42"},  # pragma: allowlist secret
    )
    assert response.status_code == 201, response.text
    assert [to for to, _, _ in mailer.sent] == [email]
    with runtime.sessions() as session:
        rows = session.scalars(select(OutboundMail).where(OutboundMail.to_address == email))
        assert [(r.sent_at is not None, r.body) for r in rows] == [(True, "")]
