"""Who is told about incidents: Slack (incoming webhook), email (SMTP) and a GitHub issue.

Each notifier is tried ``attempts`` times with exponential backoff; one that still fails is
logged and skipped. A notifier never stops the monitor."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import structlog

from customercare.mail import Mailer
from customercare.status.events import IncidentEvent

__all__ = [
    "Delivery",
    "EmailNotifier",
    "GitHubIssueNotifier",
    "Notifier",
    "SlackNotifier",
    "deliver",
]

log = structlog.get_logger(__name__)
TIMEOUT_SECONDS = 10.0


class Notifier(Protocol):
    name: str

    def send(self, event: IncidentEvent) -> Mapping[str, Any]:
        """Tell someone about ``event`` or raise; returns references to remember for the
        incident's later events (merged into ``event.refs``)."""
        ...


@dataclass
class Delivery:
    refs: dict[str, Any] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def deliver(
    notifiers: Sequence[Notifier],
    event: IncidentEvent,
    *,
    attempts: int = 3,
    backoff_seconds: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Send ``event`` through every notifier, retrying each; never raises."""
    delivery = Delivery(refs=dict(event.refs))
    for notifier in notifiers:
        for attempt in range(1, attempts + 1):
            try:
                current = IncidentEvent(**{**event.__dict__, "refs": dict(delivery.refs)})
                delivery.refs.update(notifier.send(current))
            except Exception as error:  # any failure of one notifier: retry, then skip it
                log.warning(
                    "status.notify_failed",
                    notifier=notifier.name,
                    attempt=attempt,
                    incident=event.incident_id,
                    error=f"{type(error).__name__}: {error}"[:200],
                )
                if attempt < attempts:
                    sleep(backoff_seconds * 2 ** (attempt - 1))
                    continue
                delivery.failed.append(notifier.name)
            else:
                delivery.sent.append(notifier.name)
            break
    return delivery


class SlackNotifier:
    """An incoming webhook: ``POST {"text": ...}``; Slack answers 200 ``ok``."""

    name = "slack"

    def __init__(self, webhook_url: str, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self._url = webhook_url
        self._timeout = timeout

    def send(self, event: IncidentEvent) -> Mapping[str, Any]:
        icon = {
            "opened": ":red_circle:",
            "reminder": ":warning:",
            "resolved": ":large_green_circle:",
        }
        body = {"text": f"{icon[event.kind]} {event.text()}"}
        response = httpx.post(self._url, json=body, timeout=self._timeout)
        response.raise_for_status()
        return {}


class EmailNotifier:
    name = "email"

    def __init__(self, mailer: Mailer, recipients: Sequence[str]) -> None:
        self._mailer = mailer
        self._recipients = tuple(recipients)

    def send(self, event: IncidentEvent) -> Mapping[str, Any]:
        for recipient in self._recipients:
            self._mailer.send(recipient, event.headline, event.text())
        return {}


class GitHubIssueNotifier:
    """An issue per incident (REST API): created when it opens, commented on reminders,
    commented and closed when it resolves. The issue number is kept in the incident's refs."""

    name = "github"
    REF = "github_issue"

    def __init__(
        self,
        *,
        repository: str,
        token: str,
        api_url: str = "https://api.github.com",
        labels: Sequence[str] = ("incident",),
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self._repo = repository
        self._labels = list(labels)
        self._client = httpx.Client(
            base_url=api_url.rstrip("/"),
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "CustomerCareGPT-status",
            },
        )

    def close(self) -> None:
        self._client.close()

    def _post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        response = self._client.post(f"/repos/{self._repo}{path}", json=body)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def _create(self, event: IncidentEvent) -> dict[str, Any]:
        body = {"title": event.headline, "body": event.text(), "labels": self._labels}
        issue = self._post("/issues", body)
        return {self.REF: int(issue["number"])}

    def send(self, event: IncidentEvent) -> Mapping[str, Any]:
        number = event.refs.get(self.REF)
        if number is None:
            # Opened (or its creation failed before): a resolved one needs no new issue.
            return {} if event.kind == "resolved" else self._create(event)
        if event.kind == "opened":
            return {}
        self._post(f"/issues/{number}/comments", {"body": event.text()})
        if event.kind == "resolved":
            response = self._client.patch(
                f"/repos/{self._repo}/issues/{number}",
                json={"state": "closed", "state_reason": "completed"},
            )
            response.raise_for_status()
        return {}
