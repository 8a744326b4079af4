"""The public status page: one snapshot (``status.json``) read from the history, and the
HTML rendered from it with autoescaping Jinja2. Static files, so the page can be hosted
away from the service it reports on."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from customercare.status.availability import WINDOWS, Sample, Uptime, daily, summarize, timeline
from customercare.status.config import StatusConfig
from customercare.status.models import CheckResult, Incident, MaintenanceWindow

__all__ = ["FORMAT", "render_html", "snapshot", "write_site"]

FORMAT = "ccgpt-status/1"
DAYS = 90
RECENT_INCIDENT_DAYS = 14
_TEMPLATES = Path(__file__).parent / "templates"
_RANK = {"none": 0, "up": 1, "maintenance": 2, "degraded": 3, "down": 4}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z") if value else None


def _uptime(uptime: Uptime) -> dict[str, Any]:
    percent = uptime.percent
    return {
        "percent": None if percent is None else round(percent, 4),
        "up_seconds": round(uptime.up_seconds, 3),
        "degraded_seconds": round(uptime.degraded_seconds, 3),
        "down_seconds": round(uptime.down_seconds, 3),
        "maintenance_seconds": round(uptime.maintenance_seconds, 3),
        "no_data_seconds": round(uptime.no_data_seconds, 3),
    }


def _incident(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "component": incident.component,
        "title": incident.title,
        "state": incident.state,
        "opened_at": _iso(incident.opened_at),
        "resolved_at": _iso(incident.resolved_at),
        "postmortem_url": incident.postmortem_url,
        "deployment_id": incident.deployment_id,
        "updates": [
            {"at": _iso(update.created_at), "status": update.status, "message": update.message}
            for update in reversed(incident.updates)  # newest first, as status pages do
        ],
    }


def snapshot(session: Session, config: StatusConfig, *, now: datetime) -> dict[str, Any]:
    """Everything the page shows, as the JSON document served at ``/status.json``."""
    stale = timedelta(minutes=config.page.stale_after_minutes)
    start = now - timedelta(days=DAYS)
    rows = session.execute(
        select(
            CheckResult.component, CheckResult.check_name, CheckResult.checked_at, CheckResult.state
        )
        .where(CheckResult.checked_at >= start - stale, CheckResult.checked_at <= now)
        .order_by(CheckResult.checked_at)
    ).all()
    windows = list(
        session.scalars(
            select(MaintenanceWindow)
            .where(MaintenanceWindow.ends_at > start)
            .order_by(MaintenanceWindow.starts_at)
        )
    )
    components: list[dict[str, Any]] = []
    states: list[str] = []
    for component in config.components:
        checks = {check.name for check in config.checks_of(component.id)}
        samples = [
            Sample(r.check_name, r.checked_at, r.state) for r in rows if r.check_name in checks
        ]
        maintained = [
            (w.starts_at, w.ends_at) for w in windows if w.component in (None, component.id)
        ]
        segments = timeline(
            samples, start=start, end=now, maintenance=maintained, stale_after=stale
        )
        current = segments[-1].state if segments else "none"
        states.append(current)
        components.append(
            {
                "id": component.id,
                "name": component.name,
                "description": component.description,
                "state": current,
                "availability": {
                    name: _uptime(summarize(segments, start=now - span, end=now))
                    for name, span in WINDOWS.items()
                },
                "days": [
                    {
                        "date": day.date().isoformat(),
                        "state": uptime.worst,
                        "percent": None if uptime.percent is None else round(uptime.percent, 4),
                        "maintenance_seconds": round(uptime.maintenance_seconds, 3),
                    }
                    for day, uptime in daily(segments, end=now, days=DAYS)
                ],
            }
        )
    incidents = list(
        session.scalars(
            select(Incident)
            .where(
                (Incident.state == "open")
                | (Incident.resolved_at >= now - timedelta(days=RECENT_INCIDENT_DAYS))
            )
            .options(selectinload(Incident.updates))
            .order_by(Incident.opened_at.desc())
        )
    )
    overall = max(states, key=lambda state: _RANK.get(state, 0))
    return {
        "format": FORMAT,
        "title": config.page.title,
        "page_url": config.page.url,
        "generated_at": _iso(now),
        "state": overall,
        "availability_excludes_maintenance": True,
        "components": components,
        "incidents": {
            "open": [_incident(i) for i in incidents if i.state == "open"],
            "recent": [_incident(i) for i in incidents if i.state != "open"],
        },
        "maintenance": [
            {
                "component": w.component,
                "starts_at": _iso(w.starts_at),
                "ends_at": _iso(w.ends_at),
                "reason": w.reason,
                "active": w.starts_at <= now < w.ends_at,
            }
            for w in windows
            if w.ends_at > now
        ],
    }


def _environment() -> Environment:
    # autoescape for every template: incident text is typed by people and must stay text.
    environment = Environment(
        loader=FileSystemLoader(_TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    environment.filters["pct"] = lambda v: "no data" if v is None else f"{v:.2f}%"
    return environment


def render_html(document: dict[str, Any]) -> str:
    return _environment().get_template("status.html.j2").render(status=document)


def write_site(document: dict[str, Any], out: Path) -> list[Path]:
    """Write ``index.html`` and ``status.json`` into ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    html, data = out / "index.html", out / "status.json"
    html.write_text(render_html(document), encoding="utf-8")
    data.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return [html, data]
