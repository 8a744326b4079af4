"""Maintenance windows: planned time that suppresses alerts and is left out of availability."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from customercare.errors import ValidationFailed
from customercare.status.config import StatusConfig
from customercare.status.models import MaintenanceWindow

__all__ = ["add_maintenance", "list_maintenance"]

MAX_WINDOW = timedelta(days=7)


def add_maintenance(
    session: Session,
    config: StatusConfig,
    *,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    component: str | None = None,
) -> MaintenanceWindow:
    """A window for one component (or all when ``component`` is None). Raises ConfigError for
    an unknown component and ValidationFailed for a window that makes no sense."""
    if component is not None:
        config.component(component)  # raises ConfigError naming the known ones
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValidationFailed("maintenance times need a time zone (e.g. 2025-01-01T02:00Z)")
    if ends_at <= starts_at:
        raise ValidationFailed("a maintenance window must end after it starts")
    if ends_at - starts_at > MAX_WINDOW:
        raise ValidationFailed("a maintenance window lasts at most 7 days")
    if not reason.strip():
        raise ValidationFailed("a maintenance window needs a reason (it is shown on the page)")
    window = MaintenanceWindow(
        component=component, starts_at=starts_at, ends_at=ends_at, reason=reason.strip()
    )
    session.add(window)
    session.flush()
    return window


def list_maintenance(
    session: Session, *, now: datetime, include_past: bool = False
) -> list[MaintenanceWindow]:
    query = select(MaintenanceWindow).order_by(MaintenanceWindow.starts_at)
    if not include_past:
        query = query.where(MaintenanceWindow.ends_at > now)
    return list(session.scalars(query))
