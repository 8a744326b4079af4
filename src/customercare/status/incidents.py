"""Store probe results; open an incident after a check's N consecutive failures and resolve
it after M successes; maintenance windows suppress both the opening and the alerts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from customercare.errors import NotFoundError, ValidationFailed
from customercare.status.config import Check, StatusConfig
from customercare.status.events import EventKind, IncidentEvent
from customercare.status.models import CheckResult, Incident, IncidentUpdate, MaintenanceWindow
from customercare.status.probes import Observation

__all__ = [
    "UPDATE_STATUSES",
    "add_update",
    "event_for",
    "in_maintenance",
    "open_incidents",
    "record",
]

UPDATE_STATUSES = ("investigating", "identified", "monitoring", "resolved")


def active_maintenance(session: Session, *, now: datetime) -> list[MaintenanceWindow]:
    query = select(MaintenanceWindow).where(
        MaintenanceWindow.starts_at <= now, MaintenanceWindow.ends_at > now
    )
    return list(session.scalars(query))


def in_maintenance(windows: Sequence[MaintenanceWindow], component: str) -> bool:
    return any(window.component in (None, component) for window in windows)


def open_incidents(session: Session) -> list[Incident]:
    query = select(Incident).where(Incident.state == "open").order_by(Incident.opened_at)
    return list(session.scalars(query))


def event_for(incident: Incident, kind: EventKind, config: StatusConfig) -> IncidentEvent:
    names = {component.id: component.name for component in config.components}
    reason = incident.updates[0].message if incident.updates else None
    return IncidentEvent(
        kind=kind,
        incident_id=incident.id,
        component=incident.component,
        component_name=names.get(incident.component, incident.component),
        title=incident.title,
        reason=reason if kind != "resolved" else _last_message(incident),
        opened_at=incident.opened_at,
        resolved_at=incident.resolved_at,
        page_url=config.page.url,
        postmortem_url=incident.postmortem_url,
        refs=dict(incident.notifier_refs or {}),
    )


def _last_message(incident: Incident) -> str | None:
    return incident.updates[-1].message if incident.updates else None


def _recent(session: Session, check: str, limit: int, *, counted_only: bool) -> list[CheckResult]:
    query = select(CheckResult).where(CheckResult.check_name == check)
    if counted_only:
        query = query.where(CheckResult.in_maintenance.is_(False))
    query = query.order_by(CheckResult.checked_at.desc(), CheckResult.id.desc()).limit(limit)
    return list(session.scalars(query))


def _evaluate(
    session: Session,
    check: Check,
    observation: Observation,
    *,
    maintained: bool,
    now: datetime,
) -> tuple[Incident, EventKind] | None:
    incident = session.scalars(
        select(Incident).where(Incident.check_name == check.name, Incident.state == "open")
    ).first()
    if incident is None:
        if maintained:
            return None  # planned downtime is not an incident
        failures = _recent(session, check.name, check.fail_after, counted_only=True)
        if len(failures) < check.fail_after or not all(r.state == "down" for r in failures):
            return None
        incident = Incident(
            component=check.component,
            check_name=check.name,
            title=f"{check.name} is failing",
            opened_at=failures[-1].checked_at,
            notifier_refs={},
        )
        incident.updates.append(
            IncidentUpdate(
                created_at=now,
                status="investigating",
                message=f"{check.fail_after} consecutive failures: {observation.reason}",
            )
        )
        session.add(incident)
        return incident, "opened"
    successes = _recent(session, check.name, check.recover_after, counted_only=False)
    if len(successes) < check.recover_after or any(r.state == "down" for r in successes):
        return None
    _resolve(
        incident,
        now=now,
        message=f"{check.recover_after} consecutive successful checks: resolved automatically.",
    )
    return incident, "resolved"


def _resolve(incident: Incident, *, now: datetime, message: str) -> None:
    incident.state = "resolved"
    incident.resolved_at = now
    incident.updates.append(IncidentUpdate(created_at=now, status="resolved", message=message))


def record(
    session: Session,
    config: StatusConfig,
    observations: Sequence[Observation],
    *,
    now: datetime,
) -> list[IncidentEvent]:
    """Store ``observations`` and decide the incidents; returns what to notify (after the
    caller's commit). Nothing is notified for a component in maintenance, except the
    resolution of an incident whose opening was notified."""
    windows = active_maintenance(session, now=now)
    checks = {check.name: check for check in config.checks}
    for observation in observations:
        session.add(
            CheckResult(
                check_name=observation.check_name,
                component=observation.component,
                checked_at=observation.checked_at,
                state=observation.state,
                status_code=observation.status_code,
                latency_ms=observation.latency_ms,
                reason=observation.reason,
                cert_expires_at=observation.cert_expires_at,
                in_maintenance=in_maintenance(windows, observation.component),
            )
        )
    session.flush()
    events: list[IncidentEvent] = []
    changed: set[str] = set()
    for observation in observations:
        check = checks.get(observation.check_name)
        if check is None:
            continue
        maintained = in_maintenance(windows, check.component)
        decided = _evaluate(session, check, observation, maintained=maintained, now=now)
        if decided is None:
            continue
        incident, kind = decided
        session.flush()
        changed.add(incident.id)
        if kind == "opened" or incident.last_notified_at is not None or not maintained:
            events.append(event_for(incident, kind, config))
    events += _reminders(session, config, windows, now=now, skip=changed)
    return events


def _reminders(
    session: Session,
    config: StatusConfig,
    windows: Sequence[MaintenanceWindow],
    *,
    now: datetime,
    skip: set[str],
) -> list[IncidentEvent]:
    minutes = config.notify.reminder_minutes
    due = now - timedelta(minutes=minutes)
    query = select(Incident).where(
        Incident.state == "open",
        or_(Incident.last_notified_at.is_(None), Incident.last_notified_at <= due),
    )
    events = []
    for incident in session.scalars(query):
        if incident.id in skip or in_maintenance(windows, incident.component):
            continue
        if minutes <= 0 and incident.last_notified_at is not None:
            continue
        events.append(event_for(incident, "reminder", config))
    return events


def add_update(
    session: Session,
    *,
    incident_id: str,
    status: str,
    message: str,
    now: datetime,
    postmortem_url: str | None = None,
) -> Incident:
    """A person's update on an incident; ``resolved`` resolves it (an incident opened by the
    monitor is otherwise resolved by the monitor)."""
    if status not in UPDATE_STATUSES:
        raise ValidationFailed(f"unknown status {status!r} (one of: {', '.join(UPDATE_STATUSES)})")
    if not message.strip():
        raise ValidationFailed("an update needs a message")
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFoundError(f"no incident {incident_id!r}")
    if postmortem_url is not None:
        if not postmortem_url.startswith(("https://", "http://")):
            raise ValidationFailed("the postmortem link must be an http(s) URL")
        incident.postmortem_url = postmortem_url
    if status == "resolved" and incident.state == "open":
        _resolve(incident, now=now, message=message)
    else:
        incident.updates.append(IncidentUpdate(created_at=now, status=status, message=message))
    session.flush()
    return incident
