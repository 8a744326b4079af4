"""What the widget API accepts and returns (docs/widget.md, sections 2 and 4)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    StringConstraints,
    TypeAdapter,
)

Color = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$"), AfterValidator(str.lower)]
Position = Literal["bottom-right", "bottom-left"]
Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
MAX_SUGGESTED_QUESTIONS = 6
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]


_HTTP_URL = TypeAdapter(HttpUrl)


def _http_url(value: object) -> object:
    """An http(s) URL, kept as text: a URL type in the model would not serialize back as
    the text stored and shown."""
    return None if value is None else str(_HTTP_URL.validate_python(value))


HttpUrlText = Annotated[str | None, BeforeValidator(_http_url)]


class WidgetSettingsPublic(BaseModel):
    """The widget's appearance and behaviour; never the identity secret."""

    model_config = ConfigDict(from_attributes=True)

    title: str
    greeting: str
    suggested_questions: list[str]
    logo_url: str | None
    primary_color: str
    text_color: str
    position: Position
    launcher_text: str
    show_branding: bool
    verified_visitors: bool


class WidgetSettingsUpdate(BaseModel):
    """``PUT``: the whole settings object (every field required, nothing else accepted)."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    greeting: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
    suggested_questions: list[Question] = Field(max_length=MAX_SUGGESTED_QUESTIONS)
    logo_url: HttpUrlText = Field(max_length=2048, default=None)
    primary_color: Color
    text_color: Color
    position: Position
    launcher_text: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)
    ]
    show_branding: bool
    verified_visitors: bool


class IdentitySecretCreated(BaseModel):
    # Shown once: HMAC-SHA256(identity_secret, user_id), hex, is the visitor's user_hash.
    identity_secret: str
    rotated_at: datetime


class VisitorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visitor_token: Annotated[str, StringConstraints(max_length=200)] | None = None
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    user_hash: Annotated[str, StringConstraints(max_length=128)] | None = None
    email: EmailStr | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    page_url: HttpUrlText = Field(max_length=2048, default=None)


class VisitorCreated(BaseModel):
    visitor_token: str
    verified: bool
    conversation_id: str | None


class FeedbackPublic(BaseModel):
    rating: Literal["up", "down"]
    comment: str | None


class CitationPublic(BaseModel):
    number: int | None = None
    title: str | None = None
    section: str | None = None
    url: str | None = None
    document_id: str | None = None
    snippet: str | None = None


class WidgetMessage(BaseModel):
    id: str
    role: str
    content: str
    status: str
    decision: str | None
    citations: list[CitationPublic]
    feedback: FeedbackPublic | None
    author_name: str | None
    created_at: datetime


class WidgetConversation(BaseModel):
    id: str
    status: str
    created_at: datetime


class CurrentConversation(BaseModel):
    conversation: WidgetConversation | None
    messages: list[WidgetMessage]


class ConversationStarted(BaseModel):
    conversation_id: str


class WidgetChat(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    conversation_id: Id | None = None


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Literal["up", "down"]
    comment: Annotated[str, StringConstraints(max_length=2000)] | None = None


class FeedbackRecorded(BaseModel):
    message_id: str
    rating: Literal["up", "down"]
    comment: str | None


class HandoffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: Id
    email: EmailStr | None = None


class HandoffCreated(BaseModel):
    status: Literal["handed_off"] = "handed_off"


class TypingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: Id


def citation(raw: dict[str, Any]) -> CitationPublic:
    """A stored citation as the widget shows it (unknown keys dropped)."""
    return CitationPublic.model_validate(
        {key: raw.get(key) for key in CitationPublic.model_fields if key in raw}
    )
