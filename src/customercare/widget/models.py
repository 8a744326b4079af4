"""Widget tables: one settings row per workspace (defaults when absent) and its visitors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from customercare.db.base import Base, UTCDateTime
from customercare.ids import new_id, utcnow


class WidgetSettings(Base):
    __tablename__ = "widget_settings"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(String(80))
    greeting: Mapped[str] = mapped_column(Text)
    suggested_questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    logo_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    primary_color: Mapped[str] = mapped_column(String(7))
    text_color: Mapped[str] = mapped_column(String(7))
    # bottom-right | bottom-left
    position: Mapped[str] = mapped_column(String(16))
    launcher_text: Mapped[str] = mapped_column(String(40))
    show_branding: Mapped[bool] = mapped_column(Boolean, default=True)
    verified_visitors: Mapped[bool] = mapped_column(Boolean, default=False)
    # The key of the visitors' identity HMACs: kept as is (checking an HMAC needs it), never
    # returned but once, when it is rotated.
    identity_secret: Mapped[str | None] = mapped_column(String(128), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WidgetVisitor(Base):
    """Someone chatting through the widget: anonymous, or a verified ``user_id`` of the site."""

    __tablename__ = "widget_visitors"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    # SHA-256 of the visitor token (never the token).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str | None] = mapped_column(String(200), default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    page_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    current_conversation_id: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
