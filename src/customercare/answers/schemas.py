"""What the chat API accepts and returns."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, EmailStr, Field, field_validator
from pydantic_core import PydanticCustomError


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, max_length=4000)
    conversation_id: str | None = Field(default=None, max_length=64)
    visitor_id: str | None = Field(default=None, max_length=128)
    channel: Literal["api", "widget", "cli", "openai"] = "api"
    contact_email: EmailStr | None = None
    stream: bool = False

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        # Only whitespace is no question: refuse it rather than store an empty turn.
        if not value.strip():
            raise PydanticCustomError("blank_string", "the message must not be blank")
        return value


class CitationPublic(BaseModel):
    number: int
    document_id: str
    chunk_id: str
    title: str
    section: str | None
    page: int | None
    url: str | None
    snippet: str


class ChatResponse(BaseModel):
    conversation_id: str
    # None when people answer the conversation (handed off or assigned): the bot stays
    # silent, ``answer`` is empty and ``decision`` is ``handoff``.
    message_id: str | None
    answer: str
    decision: Literal["answered", "no_answer", "handoff"]
    confidence: float | None
    handoff_offered: bool
    provider: str
    citations: list[CitationPublic]
    timings_ms: dict[str, float]

    @classmethod
    def from_events(cls, events: dict[str, dict[str, Any]]) -> ChatResponse:
        done, decision = events["done"], events["decision"]
        return cls(
            conversation_id=done["conversation_id"],
            message_id=done["message_id"],
            answer=done["answer"],
            decision=decision["decision"],
            confidence=decision["confidence"],
            handoff_offered=decision["handoff_offered"],
            provider=done["provider"],
            citations=[CitationPublic(**c) for c in events["citations"]["citations"]],
            timings_ms=done["timings_ms"],
        )
