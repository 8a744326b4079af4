"""The mail outbox: a mail is a row written in the transaction of the change that sends it,
so a committed change always gets its mail, even if the process dies before sending."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from customercare.db.base import Base, UTCDateTime
from customercare.ids import new_id, utcnow


class OutboundMail(Base):
    __tablename__ = "outbound_mail"
    __table_args__ = (Index("ix_outbound_mail_sent_at_created_at", "sent_at", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    # Holds a single-use link until sent; emptied once delivered.
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set while a process delivers it; another may take over once it is old (a crash).
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
