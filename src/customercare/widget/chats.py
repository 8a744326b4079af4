"""A visitor's conversations, through the conversations service only: a widget conversation
belongs to the visitor whose id is its ``visitor_id``; any other conversation (another
visitor's, another workspace's) reads as not found."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from customercare.conversations import service as conversations
from customercare.errors import NotFoundError
from customercare.live.service import EventBus
from customercare.widget.models import WidgetVisitor
from customercare.widget.schemas import (
    CurrentConversation,
    FeedbackPublic,
    WidgetConversation,
    WidgetMessage,
    citation,
)

__all__ = [
    "CHANNEL",
    "chat_conversation_id",
    "current_conversation",
    "get_owned_conversation_or_raise",
    "hand_off",
    "rate_message",
    "remember_conversation",
    "start_conversation",
    "visitor_typing",
]

CHANNEL = "widget"


def get_owned_conversation_or_raise(
    session: Session, *, visitor: WidgetVisitor, conversation_id: str
) -> Any:
    """The visitor's own conversation (404 for anyone else's)."""
    conversation = conversations.get_conversation_or_raise(
        session, workspace_id=visitor.workspace_id, conversation_id=conversation_id
    )
    if conversation.visitor_id != visitor.id:
        raise NotFoundError(f"conversation {conversation_id} not found")
    return conversation


def current_conversation(session: Session, *, visitor: WidgetVisitor) -> CurrentConversation:
    """The conversation the visitor last used, with its messages (it survives reloads)."""
    if visitor.current_conversation_id is None:
        return CurrentConversation(conversation=None, messages=[])
    try:
        conversation = get_owned_conversation_or_raise(
            session, visitor=visitor, conversation_id=visitor.current_conversation_id
        )
    except NotFoundError:  # deleted since
        return CurrentConversation(conversation=None, messages=[])
    rows = conversations.list_messages(
        session, workspace_id=visitor.workspace_id, conversation_id=conversation.id
    )
    ratings = conversations.feedback_for(
        session, workspace_id=visitor.workspace_id, message_ids=[row.id for row in rows]
    )
    messages = []
    for row in rows:
        feedback = ratings.get(row.id)
        messages.append(
            WidgetMessage(
                id=row.id,
                role=row.role,
                content=row.content,
                status=row.status,
                decision=row.decision,
                citations=[citation(item) for item in row.citations or []],
                feedback=None
                if feedback is None
                else FeedbackPublic(rating=feedback.rating, comment=feedback.comment),
                # Agents' messages carry their name (the live handoff adds the column).
                author_name=getattr(row, "author_name", None),
                created_at=row.created_at,
            )
        )
    return CurrentConversation(
        conversation=WidgetConversation(
            id=conversation.id, status=conversation.status, created_at=conversation.created_at
        ),
        messages=messages,
    )


def start_conversation(session: Session, *, visitor: WidgetVisitor) -> str:
    """A new conversation, which becomes the visitor's current one."""
    conversation = conversations.start_conversation(
        session, workspace_id=visitor.workspace_id, channel=CHANNEL, visitor_id=visitor.id
    )
    visitor.current_conversation_id = conversation.id
    session.flush()
    return str(conversation.id)


def chat_conversation_id(
    session: Session, *, visitor: WidgetVisitor, conversation_id: str | None
) -> str | None:
    """Where a chat message goes: the given conversation (the visitor's own, else 404), else
    the visitor's current one, else None (the turn starts one)."""
    if conversation_id is not None:
        get_owned_conversation_or_raise(session, visitor=visitor, conversation_id=conversation_id)
        return conversation_id
    if visitor.current_conversation_id is None:
        return None
    try:
        get_owned_conversation_or_raise(
            session, visitor=visitor, conversation_id=visitor.current_conversation_id
        )
    except NotFoundError:
        return None
    return visitor.current_conversation_id


def remember_conversation(
    session: Session, *, visitor: WidgetVisitor, conversation_id: str
) -> None:
    """The visitor's current conversation from now on; it links back to the page the visitor
    is on, so an agent's reply mailed after the visitor left opens the chat there."""
    visitor.current_conversation_id = conversation_id
    conversation = get_owned_conversation_or_raise(
        session, visitor=visitor, conversation_id=conversation_id
    )
    conversations.set_page_url(conversation, visitor.page_url)
    session.flush()


def rate_message(
    session: Session,
    *,
    visitor: WidgetVisitor,
    message_id: str,
    rating: conversations.Rating,
    comment: str | None,
) -> None:
    """Feedback on an answer in one of the visitor's conversations (404 otherwise)."""
    message = conversations.get_message_or_raise(
        session, workspace_id=visitor.workspace_id, message_id=message_id
    )
    try:
        get_owned_conversation_or_raise(
            session, visitor=visitor, conversation_id=message.conversation_id
        )
    except NotFoundError as error:
        raise NotFoundError(f"message {message_id} not found") from error
    conversations.record_feedback(
        session,
        workspace_id=visitor.workspace_id,
        message_id=message_id,
        rating=rating,
        comment=comment,
    )


def hand_off(
    session: Session,
    *,
    bus: EventBus,
    visitor: WidgetVisitor,
    conversation_id: str,
    email: str | None,
) -> None:
    """Ask for a person: the conversation's ticket (with the contact email given, else the
    visitor's), its status ``handed_off``; once committed, the visitor's frame and the inbox
    hear of it."""
    conversation = get_owned_conversation_or_raise(
        session, visitor=visitor, conversation_id=conversation_id
    )
    if email:
        visitor.email = email
    # The reply an agent mails back links to the page the visitor was on (#ccgpt-open).
    conversations.set_page_url(conversation, visitor.page_url)
    # The handoff publishes ``status`` to the visitor and ``handoff`` to the inbox itself.
    conversations.open_handoff(
        session,
        live=bus,
        conversation=conversation,
        reason="customer_request",
        contact_email=email or visitor.email,
    )


def visitor_typing(
    session: Session, *, bus: EventBus, visitor: WidgetVisitor, conversation_id: str
) -> None:
    """Tell whoever watches the conversation (the agent holding it, the inbox) the visitor
    is typing."""
    conversation = get_owned_conversation_or_raise(
        session, visitor=visitor, conversation_id=conversation_id
    )
    conversations.publish_typing(bus, conversation=conversation, actor="visitor")
