"""Appending a message to a conversation: the one place that orders messages and counts them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from customercare.conversations.models import Conversation, Message
from customercare.ids import utcnow

__all__ = ["append_message"]


def append_message(session: Session, conversation: Conversation, message: Message) -> None:
    # A reply written in the same millisecond as its question must still sort after it.
    last = session.scalar(
        select(func.max(Message.created_at)).where(Message.conversation_id == conversation.id)
    )
    now = utcnow()
    if last is not None and now <= last:
        now = last + timedelta(microseconds=1)
    message.created_at = now
    session.add(message)
    conversation.message_count += 1
    conversation.updated_at = now
    session.flush()
