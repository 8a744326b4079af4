"""Conversations of the caller's workspace: list, read with messages, rate an answer, hand off;
and the live handoff for agents: claim, reply, resolve, typing, and the live event streams of
the inbox and of one conversation (Server-Sent Events)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse

from customercare.conversations import service
from customercare.conversations.schemas import (
    AgentMessageCreate,
    AgentMessagePublic,
    ClaimRequest,
    ConversationDetail,
    ConversationList,
    ConversationPublic,
    ConversationStatus,
    FeedbackCreate,
    FeedbackPublic,
    HandoffCreate,
    MessagePublic,
    TicketList,
    TicketPublic,
)
from customercare.deps import (
    ConversationsRead,
    ConversationsWrite,
    MailerDep,
    RuntimeDep,
    SessionDep,
    acting_agent,
)
from customercare.errors import NotFoundError
from customercare.live import service as live
from customercare.tenancy import service as tenancy

router = APIRouter(prefix="/api/v1", tags=["conversations"])


@router.get("/conversations")
def list_conversations(
    session: SessionDep,
    workspace: ConversationsRead,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    status: ConversationStatus | None = None,
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
    conversation_id: str,
    body: HandoffCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    workspace: ConversationsWrite,
) -> TicketPublic:
    conversation = service.get_conversation_or_raise(
        session, workspace_id=workspace.workspace_id, conversation_id=conversation_id
    )
    ticket = service.open_handoff(
        session,
        live=runtime.live,
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


# --- The live handoff (agents: conversations:write; the streams: conversations:read) ---


def _detail(conversation: service.Conversation) -> ConversationPublic:
    return ConversationPublic.model_validate(conversation)


@router.post("/conversations/{conversation_id}/claim")
def claim_conversation(
    conversation_id: str,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: ConversationsWrite,
    body: ClaimRequest | None = None,
) -> ConversationPublic:
    conversation = service.get_conversation_or_raise(
        session, workspace_id=principal.workspace_id, conversation_id=conversation_id
    )
    service.claim(
        session,
        live=runtime.live,
        conversation=conversation,
        agent=acting_agent(session, principal),
        force=body.force if body else False,
    )
    return _detail(conversation)


@router.post("/conversations/{conversation_id}/agent-messages", status_code=201)
def post_agent_message(
    conversation_id: str,
    body: AgentMessageCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    mailer: MailerDep,
    principal: ConversationsWrite,
) -> AgentMessagePublic:
    conversation = service.get_conversation_or_raise(
        session, workspace_id=principal.workspace_id, conversation_id=conversation_id
    )
    message = service.add_agent_message(
        session,
        live=runtime.live,
        conversation=conversation,
        agent=acting_agent(session, principal),
        content=body.content,
    )
    workspace = tenancy.get_workspace_or_raise(session, workspace_id=principal.workspace_id)
    emailed = service.mail_reply_if_away(
        session,
        live=runtime.live,
        mailer=mailer,
        conversation=conversation,
        message=message,
        workspace_name=workspace.name,
        public_url=runtime.settings.public_url,
    )
    return AgentMessagePublic(**MessagePublic.model_validate(message).model_dump(), emailed=emailed)


@router.post("/conversations/{conversation_id}/resolve")
def resolve_conversation(
    conversation_id: str, session: SessionDep, runtime: RuntimeDep, principal: ConversationsWrite
) -> ConversationPublic:
    conversation = service.get_conversation_or_raise(
        session, workspace_id=principal.workspace_id, conversation_id=conversation_id
    )
    service.resolve(session, live=runtime.live, conversation=conversation)
    return _detail(conversation)


@router.post("/conversations/{conversation_id}/typing", status_code=204)
def agent_typing(
    conversation_id: str, session: SessionDep, runtime: RuntimeDep, principal: ConversationsWrite
) -> Response:
    conversation = service.get_conversation_or_raise(
        session, workspace_id=principal.workspace_id, conversation_id=conversation_id
    )
    service.publish_typing(runtime.live, conversation=conversation, actor="agent")
    return Response(status_code=204)


SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
LIVE_EVENTS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Live events as Server-Sent Events (`event: <type>`, `data: <JSON>`), "
        "a heartbeat comment every 15 s",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


def _conversation_channel(
    conversation_id: str, session: SessionDep, principal: ConversationsRead
) -> str:
    """The channel of a conversation of the caller's workspace (404 for any other)."""
    conversation = service.get_conversation_or_raise(
        session, workspace_id=principal.workspace_id, conversation_id=conversation_id
    )
    return live.conversation_channel(conversation.id)


@router.get(
    "/conversations/{conversation_id}/events",
    response_class=StreamingResponse,
    responses=LIVE_EVENTS_RESPONSE,
)
async def conversation_events(
    runtime: RuntimeDep, channel: Annotated[str, Depends(_conversation_channel)]
) -> StreamingResponse:
    return StreamingResponse(
        live.sse_stream(runtime.live, (channel,)),
        media_type="text/event-stream",
        headers=SSE_HEADERS,
    )


@router.get("/inbox/events", response_class=StreamingResponse, responses=LIVE_EVENTS_RESPONSE)
async def inbox_events(runtime: RuntimeDep, principal: ConversationsRead) -> StreamingResponse:
    return StreamingResponse(
        live.sse_stream(runtime.live, (live.inbox_channel(principal.workspace_id),)),
        media_type="text/event-stream",
        headers=SSE_HEADERS,
    )
