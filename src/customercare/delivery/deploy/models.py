"""Deployments and their steps: what ``ccgpt deploy status|history`` shows and what the status
page links incidents to (``status_incidents.deployment_id``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from customercare.db.base import Base, UTCDateTime
from customercare.ids import new_id, utcnow

__all__ = ["Deployment", "DeploymentStep"]


class Deployment(Base):
    """One deploy or rollback of one environment."""

    __tablename__ = "deployments"
    __table_args__ = (Index("ix_deployments_environment_started_at", "environment", "started_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    environment: Mapped[str] = mapped_column(String(50))
    # deploy or rollback.
    kind: Mapped[str] = mapped_column(String(10), default="deploy")
    version: Mapped[str] = mapped_column(String(100))
    previous_version: Mapped[str | None] = mapped_column(String(100), default=None)
    slot: Mapped[str | None] = mapped_column(String(10), default=None)
    # running, succeeded, failed, rolled_back.
    status: Mapped[str] = mapped_column(String(12), default="running")
    # The watch window's verdict: healthy, inconclusive, unhealthy (None: not watched).
    verdict: Mapped[str | None] = mapped_column(String(12), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class DeploymentStep(Base):
    __tablename__ = "deployment_steps"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    deployment_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("deployments.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(30))
    # ok, failed, skipped.
    outcome: Mapped[str] = mapped_column(String(10))
    detail: Mapped[str | None] = mapped_column(Text, default=None)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
