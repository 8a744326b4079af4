"""Status history: every probe result, incidents with their updates, maintenance windows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from customercare.db.base import Base, UTCDateTime
from customercare.ids import new_id, utcnow

__all__ = ["CheckResult", "Incident", "IncidentUpdate", "MaintenanceWindow"]


class CheckResult(Base):
    """One probe: its state holds from ``checked_at`` until the check's next result."""

    __tablename__ = "status_results"
    __table_args__ = (
        Index("ix_status_results_check_name_checked_at", "check_name", "checked_at"),
        Index("ix_status_results_component_checked_at", "component", "checked_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    check_name: Mapped[str] = mapped_column(String(100))
    component: Mapped[str] = mapped_column(String(50))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # up, degraded (working but slow) or down.
    state: Mapped[str] = mapped_column(String(10))
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    latency_ms: Mapped[float | None] = mapped_column(Float, default=None)
    reason: Mapped[str | None] = mapped_column(String(300), default=None)
    cert_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Taken during a maintenance window of its component: excluded from availability.
    in_maintenance: Mapped[bool] = mapped_column(Boolean, default=False)


class Incident(Base):
    __tablename__ = "status_incidents"
    __table_args__ = (Index("ix_status_incidents_check_name_state", "check_name", "state"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    component: Mapped[str] = mapped_column(String(50))
    # The check whose failures opened it (None: opened by hand).
    check_name: Mapped[str | None] = mapped_column(String(100), default=None)
    title: Mapped[str] = mapped_column(String(200))
    # open or resolved.
    state: Mapped[str] = mapped_column(String(10), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    postmortem_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    # The deployment that caused it, once deployments have ids (not set yet).
    deployment_id: Mapped[str | None] = mapped_column(String(100), default=None)
    # What notifiers need to follow up (e.g. the GitHub issue number).
    notifier_refs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    updates: Mapped[list[IncidentUpdate]] = relationship(
        back_populates="incident",
        order_by="IncidentUpdate.created_at",
        cascade="all, delete-orphan",
    )


class IncidentUpdate(Base):
    __tablename__ = "status_incident_updates"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    incident_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("status_incidents.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # investigating, identified, monitoring or resolved.
    status: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)

    incident: Mapped[Incident] = relationship(back_populates="updates")


class MaintenanceWindow(Base):
    __tablename__ = "status_maintenance"
    __table_args__ = (Index("ix_status_maintenance_ends_at", "ends_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # None: every component.
    component: Mapped[str | None] = mapped_column(String(50), default=None)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
