"""What notifiers are told: an incident opened, is still open (reminder), or resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = ["EventKind", "IncidentEvent"]

EventKind = Literal["opened", "reminder", "resolved"]


@dataclass(frozen=True)
class IncidentEvent:
    kind: EventKind
    incident_id: str
    component: str
    component_name: str
    title: str
    reason: str | None
    opened_at: datetime
    resolved_at: datetime | None = None
    page_url: str | None = None
    postmortem_url: str | None = None
    # What notifiers remembered about this incident (e.g. its GitHub issue number).
    refs: dict[str, Any] = field(default_factory=dict)

    @property
    def headline(self) -> str:
        label = {"opened": "DOWN", "reminder": "STILL DOWN", "resolved": "RESOLVED"}[self.kind]
        return f"[{label}] {self.component_name}: {self.title}"

    def text(self) -> str:
        lines = [self.headline, ""]
        if self.reason:
            lines.append(f"Reason: {self.reason}")
        lines.append(f"Opened: {self.opened_at.isoformat(timespec='seconds')}")
        if self.resolved_at is not None:
            minutes = (self.resolved_at - self.opened_at).total_seconds() / 60
            lines.append(f"Resolved: {self.resolved_at.isoformat(timespec='seconds')}")
            lines.append(f"Duration: {minutes:.0f} min")
        if self.postmortem_url:
            lines.append(f"Postmortem: {self.postmortem_url}")
        if self.page_url:
            lines.append(f"Status page: {self.page_url}")
        lines.append(f"Incident: {self.incident_id}")
        return "\n".join(lines)
