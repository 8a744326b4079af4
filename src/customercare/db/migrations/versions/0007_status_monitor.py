"""status monitor: probe results, incidents and their updates, maintenance windows

New tables only (expand): the previous release ignores them. The integrator re-chains
down_revision if another branch lands first.

Revision ID: 0007_status_monitor
Revises: 0006_widget
Create Date: 2026-12-03 19:38:04.152982
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import customercare.db.base

revision: str = "0007_status_monitor"
down_revision: str | None = "0006_widget"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "status_incidents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("component", sa.String(length=50), nullable=False),
        sa.Column("check_name", sa.String(length=100), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("opened_at", customercare.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", customercare.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "last_notified_at", customercare.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("postmortem_url", sa.String(length=2048), nullable=True),
        sa.Column("deployment_id", sa.String(length=100), nullable=True),
        sa.Column("notifier_refs", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_incidents")),
    )
    op.create_index(
        "ix_status_incidents_check_name_state",
        "status_incidents",
        ["check_name", "state"],
        unique=False,
    )
    op.create_table(
        "status_maintenance",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("component", sa.String(length=50), nullable=True),
        sa.Column("starts_at", customercare.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", customercare.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", customercare.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_maintenance")),
    )
    op.create_index(
        "ix_status_maintenance_ends_at", "status_maintenance", ["ends_at"], unique=False
    )
    op.create_table(
        "status_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("check_name", sa.String(length=100), nullable=False),
        sa.Column("component", sa.String(length=50), nullable=False),
        sa.Column("checked_at", customercare.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column(
            "cert_expires_at", customercare.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("in_maintenance", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_results")),
    )
    op.create_index(
        "ix_status_results_check_name_checked_at",
        "status_results",
        ["check_name", "checked_at"],
        unique=False,
    )
    op.create_index(
        "ix_status_results_component_checked_at",
        "status_results",
        ["component", "checked_at"],
        unique=False,
    )
    op.create_table(
        "status_incident_updates",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("incident_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", customercare.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["status_incidents.id"],
            name=op.f("fk_status_incident_updates_incident_id_status_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_incident_updates")),
    )
    op.create_index(
        op.f("ix_status_incident_updates_incident_id"),
        "status_incident_updates",
        ["incident_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_status_incident_updates_incident_id"), table_name="status_incident_updates"
    )
    op.drop_table("status_incident_updates")
    op.drop_index("ix_status_results_component_checked_at", table_name="status_results")
    op.drop_index("ix_status_results_check_name_checked_at", table_name="status_results")
    op.drop_table("status_results")
    op.drop_index("ix_status_maintenance_ends_at", table_name="status_maintenance")
    op.drop_table("status_maintenance")
    op.drop_index("ix_status_incidents_check_name_state", table_name="status_incidents")
    op.drop_table("status_incidents")
