"""What the conversations API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field


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
