"""outbound mail: the outbox that makes a committed change's mail survive a crash

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 16:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import customercare.db.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbound_mail",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", customercare.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", customercare.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", customercare.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_mail")),
    )
    op.create_index(
        "ix_outbound_mail_sent_at_created_at",
        "outbound_mail",
        ["sent_at", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_outbound_mail_sent_at_created_at", table_name="outbound_mail")
    op.drop_table("outbound_mail")
