"""Conversation use-cases. Every function takes the workspace explicitly and never returns a row
of another workspace: a foreign id reads as "not found"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from customercare.conversations.handoff import (
    ASSIGNED,
    HANDED_OFF,
    HUMAN_STATES,
    OPEN,
    RESOLVED,
    Agent,
    add_agent_message,
    claim,
    mail_reply_if_away,
    open_handoff,
    publish_typing,
    publish_visitor_message,
    reopen_for_bot,
    resolve,
    set_page_url,
)
from customercare.conversations.models import Conversation, Feedback, HandoffTicket, Message
from customercare.conversations.timeline import append_message
from customercare.errors import NotFoundError, ValidationFailed
from customercare.ids import new_id, utcnow

__all__ = [
    "ASSIGNED",
    "HANDED_OFF",
    "HUMAN_STATES",
    "OPEN",
    "PENDING",
    "RESOLVED",
    "Agent",
    "AssistantReply",
    "Conversation",
    "HandoffTicket",
    "Message",
    "MessageStatus",
    "Rating",
    "add_agent_message",
    "add_assistant_message",
    "add_user_message",
    "claim",
    "count_customer_messages",
    "feedback_for",
    "get_conversation_or_raise",
    "get_message_or_raise",
    "list_conversations",
    "list_messages",
    "list_tickets",
    "mail_reply_if_away",
    "open_handoff",
    "publish_typing",
    "publish_visitor_message",
    "recent_turns",
    "record_feedback",
    "reopen_for_bot",
    "repair_unanswered",
    "resolve",
    "set_page_url",
    "start_conversation",
]

Rating = Literal["up", "down"]
MessageStatus = Literal["complete", "failed", "cancelled"]
# A question is ``pending`` until its answer record (complete, cancelled or failed) is stored
# with it; one still pending long after its turn must have ended lost its answer to an outage.
PENDING = "pending"


@dataclass(frozen=True, slots=True)
class AssistantReply:
    content: str
    status: MessageStatus
    decision: str | None
    confidence: float | None
    provider: str | None
    citations: list[dict[str, Any]]
    timings_ms: dict[str, float]
    latency_ms: float
    # The bot offered a human (no answer): a "yes" to the next turn accepts the offer.
    handoff_offered: bool = False


def start_conversation(
    session: Session, *, workspace_id: str, channel: str, visitor_id: str | None
) -> Conversation:
    conversation = Conversation(workspace_id=workspace_id, channel=channel, visitor_id=visitor_id)
    session.add(conversation)
    session.flush()
    return conversation


def get_conversation_or_raise(
    session: Session, *, workspace_id: str, conversation_id: str
) -> Conversation:
    conversation = session.scalar(
        select(Conversation).where(
            Conversation.id == conversation_id, Conversation.workspace_id == workspace_id
        )
    )
    if conversation is None:
        raise NotFoundError(f"conversation {conversation_id} not found")
    return conversation


def list_conversations(
    session: Session,
    *,
    workspace_id: str,
    limit: int = 50,
    offset: int = 0,
    status: str | None = None,
    visitor_id: str | None = None,
) -> tuple[list[Conversation], int]:
    where = [Conversation.workspace_id == workspace_id]
    if status:
        where.append(Conversation.status == status)
    if visitor_id:
        where.append(Conversation.visitor_id == visitor_id)
    total = session.scalar(select(func.count()).select_from(Conversation).where(*where)) or 0
    rows = session.scalars(
        select(Conversation)
        .where(*where)
        .order_by(Conversation.updated_at.desc(), Conversation.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


def list_messages(session: Session, *, workspace_id: str, conversation_id: str) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(Message.workspace_id == workspace_id, Message.conversation_id == conversation_id)
            .order_by(Message.created_at, Message.id)
        )
    )


def recent_turns(
    session: Session, *, workspace_id: str, conversation_id: str, limit: int
) -> list[Message]:
    """The last ``limit`` finished messages, oldest first: what shapes a follow-up."""
    rows = session.scalars(
        select(Message)
        .where(
            Message.workspace_id == workspace_id,
            Message.conversation_id == conversation_id,
            Message.status == "complete",
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))


def add_user_message(
    session: Session, *, conversation: Conversation, content: str, awaiting_answer: bool = True
) -> Message:
    """The customer's question, ``pending`` until ``add_assistant_message`` answers it. A
    message to people (``awaiting_answer=False``, the bot is silent) is complete at once, so
    the repair sweep never gives it a failed bot answer."""
    message = Message(
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.id,
        role="user",
        content=content,
        status=PENDING if awaiting_answer else "complete",
    )
    append_message(session, conversation, message)
    return message


def add_assistant_message(
    session: Session,
    *,
    conversation: Conversation,
    reply: AssistantReply,
    question_id: str | None = None,
    message_id: str | None = None,
) -> Message:
    """Store the answer to ``question_id`` (which stops being pending). With ``message_id``
    it is idempotent: a retry after a commit whose outcome was lost stores nothing twice."""
    if message_id is not None:
        existing = session.get(Message, message_id)
        if existing is not None:
            return existing
    if question_id is not None:
        question = session.get(Message, question_id)
        if question is not None and question.status == PENDING:
            question.status = "complete"
    message = Message(
        id=message_id or new_id(),
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.id,
        role="assistant",
        content=reply.content,
        status=reply.status,
        decision=reply.decision,
        confidence=reply.confidence,
        provider=reply.provider,
        citations=reply.citations,
        timings_ms=reply.timings_ms,
        latency_ms=reply.latency_ms,
    )
    conversation.handoff_offered = reply.handoff_offered and reply.status == "complete"
    append_message(session, conversation, message)
    return message


def repair_unanswered(session: Session, *, older_than: datetime, limit: int = 500) -> int:
    """Give every question still pending since before ``older_than`` the failed answer its
    turn could not store (the database went away as the stream ended): the conversation
    shows the failure instead of a question without an answer. Returns how many."""
    questions = list(
        session.scalars(
            select(Message)
            .where(
                Message.role == "user",
                Message.status == PENDING,
                Message.created_at < older_than,
            )
            .order_by(Message.created_at, Message.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for question in questions:
        conversation = session.get(Conversation, question.conversation_id)
        if conversation is None:
            continue
        reply = AssistantReply(
            content="",
            status="failed",
            decision=None,
            confidence=None,
            provider="repair",
            citations=[],
            timings_ms={},
            latency_ms=0.0,
        )
        answer = add_assistant_message(
            session, conversation=conversation, reply=reply, question_id=question.id
        )
        # Right after its question, where the turn would have stored it.
        answer.created_at = question.created_at + timedelta(microseconds=1)
    return len(questions)


def get_message_or_raise(session: Session, *, workspace_id: str, message_id: str) -> Message:
    message = session.scalar(
        select(Message).where(Message.id == message_id, Message.workspace_id == workspace_id)
    )
    if message is None:
        raise NotFoundError(f"message {message_id} not found")
    return message


def record_feedback(
    session: Session, *, workspace_id: str, message_id: str, rating: Rating, comment: str | None
) -> Feedback:
    message = get_message_or_raise(session, workspace_id=workspace_id, message_id=message_id)
    if message.role != "assistant":
        raise ValidationFailed("feedback can only be given on an answer")
    feedback = session.scalar(select(Feedback).where(Feedback.message_id == message_id))
    if feedback is None:
        feedback = Feedback(workspace_id=workspace_id, message_id=message_id, rating=rating)
        session.add(feedback)
    feedback.rating = rating
    feedback.comment = comment
    feedback.created_at = utcnow()
    session.flush()
    return feedback


def feedback_for(
    session: Session, *, workspace_id: str, message_ids: Sequence[str]
) -> dict[str, Feedback]:
    if not message_ids:
        return {}
    rows = session.scalars(
        select(Feedback).where(
            Feedback.workspace_id == workspace_id, Feedback.message_id.in_(message_ids)
        )
    )
    return {row.message_id: row for row in rows}


def list_tickets(
    session: Session, *, workspace_id: str, status: str | None = None, limit: int = 50
) -> list[HandoffTicket]:
    query = select(HandoffTicket).where(HandoffTicket.workspace_id == workspace_id)
    if status:
        query = query.where(HandoffTicket.status == status)
    return list(session.scalars(query.order_by(HandoffTicket.created_at.desc()).limit(limit)))


def count_customer_messages(
    session: Session, *, workspace_id: str, since: datetime, until: datetime
) -> int:
    """The workspace's customer (user) messages in [since, until): the messages quota."""
    count = session.scalar(
        select(func.count(Message.id)).where(
            Message.workspace_id == workspace_id,
            Message.role == "user",
            Message.created_at >= since,
            Message.created_at < until,
        )
    )
    return int(count or 0)
