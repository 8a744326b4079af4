"""deployments: every deploy and rollback with its steps

New tables only (expand): the previous release ignores them.

Revision ID: 0008_deployments
Revises: 0007_status_monitor
Create Date: 2026-12-03 20:15:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import customercare.db.base

revision: str = "0008_deployments"
down_revision: str | None = "0007_status_monitor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deployments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("environment", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("previous_version", sa.String(length=100), nullable=True),
        sa.Column("slot", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("verdict", sa.String(length=12), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("started_at", customercare.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", customercare.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
    )
    op.create_index(
        "ix_deployments_environment_started_at",
        "deployments",
        ["environment", "started_at"],
        unique=False,
    )
    op.create_table(
        "deployment_steps",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("deployment_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("started_at", customercare.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", customercare.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_deployment_steps_deployment_id_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment_steps")),
    )
    op.create_index(
        op.f("ix_deployment_steps_deployment_id"),
        "deployment_steps",
        ["deployment_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_deployment_steps_deployment_id"), table_name="deployment_steps")
    op.drop_table("deployment_steps")
    op.drop_index("ix_deployments_environment_started_at", table_name="deployments")
    op.drop_table("deployments")
