"""live handoff: conversation states assigned and resolved, the offer, agent messages

Expand only: new nullable columns (and one with a server default), so the previous release
keeps working against the upgraded schema.

Revision ID: 0005_live_handoff
Revises: 0004
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import customercare.db.base

revision: str = "0005_live_handoff"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_user_id", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("assigned_at", customercare.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("resolved_at", customercare.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("handoff_offered", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("page_url", sa.String(length=2048), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_conversations_assigned_user_id_users"),
            "users",
            ["assigned_user_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            "ix_conversations_workspace_status_updated",
            ["workspace_id", "status", "updated_at"],
            unique=False,
        )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_user_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("author_name", sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_messages_author_user_id_users"),
            "users",
            ["author_user_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_messages_author_user_id_users"), type_="foreignkey")
        batch_op.drop_column("author_name")
        batch_op.drop_column("author_user_id")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_workspace_status_updated")
        batch_op.drop_constraint(
            batch_op.f("fk_conversations_assigned_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("page_url")
        batch_op.drop_column("handoff_offered")
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("assigned_user_id")
