"""Mail that is not lost: ``OutboxMailer.send`` writes the mail in the caller's transaction;
``deliver`` sends committed mail and marks it sent. The request path delivers its own mail
right after the response; a sweep (at start-up and every minute in the API process) sends
whatever a crash or a failed attempt left behind."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from datetime import timedelta

import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from customercare.db.engine import transaction
from customercare.ids import utcnow
from customercare.mail.base import Mailer
from customercare.mail.models import OutboundMail

__all__ = ["MailSweeper", "OutboxMailer", "deliver"]

log = structlog.get_logger(__name__)

# A claim older than this belongs to a process that died mid-delivery.
CLAIM_TIMEOUT = timedelta(minutes=5)
# Mail is retried on every sweep for this long, then given up (and logged).
GIVE_UP_AFTER = 20


class OutboxMailer:
    """A ``Mailer`` bound to one transaction: each mail is a row of that transaction, and
    ``on_queued`` (e.g. a background task) is told its id to deliver it after the commit."""

    def __init__(self, session: Session, on_queued: Callable[[str], None]) -> None:
        self._session = session
        self._on_queued = on_queued

    def send(self, to: str, subject: str, text: str) -> None:
        mail = OutboundMail(to_address=to, subject=subject[:300], body=text)
        self._session.add(mail)
        self._session.flush()
        self._on_queued(mail.id)


def deliver(
    sessions: sessionmaker[Session], mailer: Mailer, *, ids: Collection[str] | None = None
) -> int:
    """Send committed, unsent mail (only ``ids`` when given); returns how many were sent.
    Each mail is claimed first, so two processes never send the same one."""
    with sessions() as session:
        query = select(OutboundMail.id).where(
            OutboundMail.sent_at.is_(None), OutboundMail.attempts < GIVE_UP_AFTER
        )
        if ids is not None:
            query = query.where(OutboundMail.id.in_(list(ids)))
        pending = list(session.scalars(query.order_by(OutboundMail.created_at).limit(100)))
    sent = 0
    for mail_id in pending:
        mail = _claim(sessions, mail_id)
        if mail is None:
            continue
        try:
            mailer.send(mail.to_address, mail.subject, mail.body)
        except Exception as error:  # the body holds a token: log only what failed
            _release(sessions, mail_id, error=type(error).__name__)
            log.warning("mail.delivery_failed", mail_id=mail_id, error=type(error).__name__)
            continue
        _mark_sent(sessions, mail_id)
        sent += 1
    return sent


def _claim(sessions: sessionmaker[Session], mail_id: str) -> OutboundMail | None:
    with transaction(sessions) as session:
        claimed = session.execute(
            update(OutboundMail)
            .where(
                OutboundMail.id == mail_id,
                OutboundMail.sent_at.is_(None),
                or_(
                    OutboundMail.claimed_at.is_(None),
                    OutboundMail.claimed_at < utcnow() - CLAIM_TIMEOUT,
                ),
            )
            .values(claimed_at=utcnow(), attempts=OutboundMail.attempts + 1)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return session.get(OutboundMail, mail_id)


def _mark_sent(sessions: sessionmaker[Session], mail_id: str) -> None:
    with transaction(sessions) as session:
        session.execute(
            update(OutboundMail)
            .where(OutboundMail.id == mail_id)
            .values(sent_at=utcnow(), body="", claimed_at=None, last_error=None)
        )


def _release(sessions: sessionmaker[Session], mail_id: str, *, error: str) -> None:
    with transaction(sessions) as session:
        session.execute(
            update(OutboundMail)
            .where(OutboundMail.id == mail_id)
            .values(claimed_at=None, last_error=error[:200])
        )


class MailSweeper:
    """Delivers what the request path could not, at start and then every ``interval``."""

    def __init__(
        self, sessions: sessionmaker[Session], mailer: Mailer, *, interval: float = 60.0
    ) -> None:
        self._sessions, self._mailer, self._interval = sessions, mailer, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ccgpt-mail", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                deliver(self._sessions, self._mailer)
            except Exception as error:  # the database may be restarting: try again later
                log.warning("mail.sweep_failed", error=type(error).__name__)
            self._stop.wait(self._interval)
