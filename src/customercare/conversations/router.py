"""Conversations of the caller's workspace: list, read with messages, rate an answer, hand off."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from customercare.conversations import service
from customercare.conversations.schemas import (
    ConversationDetail,
    ConversationList,
    ConversationPublic,
    FeedbackCreate,
    FeedbackPublic,
    HandoffCreate,
    MessagePublic,
    TicketList,
    TicketPublic,
)
from customercare.deps import ConversationsRead, ConversationsWrite, SessionDep
from customercare.errors import NotFoundError

router = APIRouter(prefix="/api/v1", tags=["conversations"])


@router.get("/conversations")
def list_conversations(
    session: SessionDep,
    workspace: ConversationsRead,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    status: Literal["open", "handed_off"] | None = None,
    visitor_id: Annotated[str | None, Query(max_length=128)] = None,
) -> ConversationList:
    rows, total = service.list_conversations(
        session,
        workspace_id=workspace.workspace_id,
        limit=limit,
        offset=offset,
        status=status,
        visitor_id=visitor_id,
    )
    return ConversationList(
        items=[ConversationPublic.model_validate(row) for row in rows], total=total
    )


@router.get("/conversations/{conversation_id}")
def get_conversation(
    conversation_id: str, session: SessionDep, workspace: ConversationsRead
) -> ConversationDetail:
    conversation = service.get_conversation_or_raise(
        session, workspace_id=workspace.workspace_id, conversation_id=conversation_id
    )
    rows = service.list_messages(
        session, workspace_id=workspace.workspace_id, conversation_id=conversation.id
    )
    ratings = service.feedback_for(
        session, workspace_id=workspace.workspace_id, message_ids=[row.id for row in rows]
    )
    messages = []
    for row in rows:
        message = MessagePublic.model_validate(row)
        if row.id in ratings:
            message.feedback = FeedbackPublic.model_validate(ratings[row.id])
        messages.append(message)
    return ConversationDetail(
        **ConversationPublic.model_validate(conversation).model_dump(), messages=messages
    )


@router.post("/conversations/{conversation_id}/messages/{message_id}/feedback")
def give_feedback(
    conversation_id: str,
    message_id: str,
    body: FeedbackCreate,
    session: SessionDep,
    workspace: ConversationsWrite,
) -> FeedbackPublic:
    message = service.get_message_or_raise(
        session, workspace_id=workspace.workspace_id, message_id=message_id
    )
    if message.conversation_id != conversation_id:
        raise NotFoundError(f"message {message_id} not found")
    feedback = service.record_feedback(
        session,
        workspace_id=workspace.workspace_id,
        message_id=message_id,
        rating=body.rating,
        comment=body.comment,
    )
    return FeedbackPublic.model_validate(feedback)


@router.post("/conversations/{conversation_id}/handoff", status_code=201)
def hand_off(
    conversation_id: str, body: HandoffCreate, session: SessionDep, workspace: ConversationsWrite
) -> TicketPublic:
    conversation = service.get_conversation_or_raise(
        session, workspace_id=workspace.workspace_id, conversation_id=conversation_id
    )
    ticket = service.open_handoff(
        session,
        conversation=conversation,
        reason="customer_request",
        contact_email=body.contact_email,
    )
    return TicketPublic.model_validate(ticket)


@router.get("/handoff-tickets")
def list_tickets(
    session: SessionDep,
    workspace: ConversationsRead,
    status: Literal["open", "closed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TicketList:
    rows = service.list_tickets(
        session, workspace_id=workspace.workspace_id, status=status, limit=limit
    )
    return TicketList(items=[TicketPublic.model_validate(row) for row in rows])
