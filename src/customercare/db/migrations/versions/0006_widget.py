"""widget settings (one row per workspace) and widget visitors

The other branch adds 0005; the integrator re-chains down_revision.

Revision ID: 0006_widget
Revises: 0005_live_handoff
Create Date: 2026-12-03 19:16:57.381559
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import customercare.db.base

revision: str = "0006_widget"
down_revision: str | None = "0005_live_handoff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "widget_settings",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("greeting", sa.Text(), nullable=False),
        sa.Column("suggested_questions", sa.JSON(), nullable=False),
        sa.Column("logo_url", sa.String(length=2048), nullable=True),
        sa.Column("primary_color", sa.String(length=7), nullable=False),
        sa.Column("text_color", sa.String(length=7), nullable=False),
        sa.Column("position", sa.String(length=16), nullable=False),
        sa.Column("launcher_text", sa.String(length=40), nullable=False),
        sa.Column("show_branding", sa.Boolean(), nullable=False),
        sa.Column("verified_visitors", sa.Boolean(), nullable=False),
        sa.Column("identity_secret", sa.String(length=128), nullable=True),
        sa.Column("updated_at", customercare.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_widget_settings_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_widget_settings")),
    )
    op.create_table(
        "widget_visitors",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("page_url", sa.String(length=2048), nullable=True),
        sa.Column("current_conversation_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", customercare.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", customercare.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_widget_visitors_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_widget_visitors")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_widget_visitors_token_hash")),
        sa.UniqueConstraint(
            "workspace_id", "user_id", name=op.f("uq_widget_visitors_workspace_id")
        ),
    )
    with op.batch_alter_table("widget_visitors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_widget_visitors_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("widget_visitors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_widget_visitors_workspace_id"))

    op.drop_table("widget_visitors")
    op.drop_table("widget_settings")
