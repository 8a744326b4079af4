"""What the conversations API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator
from pydantic_core import PydanticCustomError

ConversationStatus = Literal["open", "handed_off", "assigned", "resolved"]


class ConversationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    workspace_id: str
    channel: str
    visitor_id: str | None
    status: str
    message_count: int
    created_at: datetime
    updated_at: datetime
    # The live handoff: who holds it (a member's user id; null in the queue or for an API
    # key), when it was taken and resolved, whether the bot's last answer offered a human,
    # and the page the widget was opened on.
    assigned_user_id: str | None = None
    assigned_at: datetime | None = None
    resolved_at: datetime | None = None
    handoff_offered: bool = False
    page_url: str | None = None


class ConversationList(BaseModel):
    items: list[ConversationPublic]
    total: int


class FeedbackPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    message_id: str
    rating: Literal["up", "down"]
    comment: str | None
    created_at: datetime


class MessagePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    role: str
    content: str
    status: str
    decision: str | None
    confidence: float | None
    provider: str | None
    citations: list[dict[str, Any]]
    timings_ms: dict[str, float]
    latency_ms: float | None
    created_at: datetime
    feedback: FeedbackPublic | None = None
    # An agent's message (role ``agent``): its author, and the name the visitor saw.
    author_user_id: str | None = None
    author_name: str | None = None


class ConversationDetail(ConversationPublic):
    messages: list[MessagePublic]


class FeedbackCreate(BaseModel):
    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=2000)


class HandoffCreate(BaseModel):
    contact_email: EmailStr | None = None


class TicketPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    conversation_id: str
    reason: str
    contact_email: str | None
    status: str
    created_at: datetime


class TicketList(BaseModel):
    items: list[TicketPublic]


class ClaimRequest(BaseModel):
    # Take over a conversation another agent holds.
    force: bool = False


class AgentMessageCreate(BaseModel):
    content: str = Field(min_length=1, max_length=4000)

    @field_validator("content")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise PydanticCustomError("blank_string", "the message must not be blank")
        return value


class AgentMessagePublic(MessagePublic):
    # Whether the reply was mailed (nobody watched the conversation and the visitor left
    # an address).
    emailed: bool = False
