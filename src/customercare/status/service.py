"""The face of the status monitor: what the CLI, the page server and other domains use."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from customercare.mail import SmtpMailer
from customercare.settings import Settings
from customercare.status.availability import WINDOWS, Sample, Segment, Uptime, summarize, timeline
from customercare.status.config import (
    Check,
    Component,
    ConfigError,
    StatusConfig,
    load_config,
    parse_config,
)
from customercare.status.events import IncidentEvent
from customercare.status.incidents import UPDATE_STATUSES, add_update, event_for
from customercare.status.maintenance import add_maintenance, list_maintenance
from customercare.status.models import CheckResult, Incident, IncidentUpdate, MaintenanceWindow
from customercare.status.monitor import Round, notify, run_forever, run_once
from customercare.status.notifiers import (
    Delivery,
    EmailNotifier,
    GitHubIssueNotifier,
    Notifier,
    SlackNotifier,
    deliver,
)
from customercare.status.page import FORMAT, render_html, snapshot, write_site
from customercare.status.probes import Observation, probe

__all__ = [
    "FORMAT",
    "UPDATE_STATUSES",
    "WINDOWS",
    "Check",
    "CheckResult",
    "Component",
    "ConfigError",
    "Delivery",
    "EmailNotifier",
    "GitHubIssueNotifier",
    "Incident",
    "IncidentEvent",
    "IncidentUpdate",
    "MaintenanceWindow",
    "Notifier",
    "Observation",
    "Round",
    "Sample",
    "Segment",
    "SlackNotifier",
    "StatusConfig",
    "Uptime",
    "add_maintenance",
    "add_update",
    "build_notifiers",
    "deliver",
    "event_for",
    "get_incident",
    "list_incidents",
    "list_maintenance",
    "load_config",
    "notify",
    "parse_config",
    "probe",
    "render_html",
    "run_forever",
    "run_once",
    "snapshot",
    "summarize",
    "timeline",
    "write_site",
]


def build_notifiers(settings: Settings, config: StatusConfig) -> list[Notifier]:
    """The notifiers the checks file asks for. One whose secret or server is not configured
    is a ConfigError: an alert that silently goes nowhere is worse than a failed start."""
    notifiers: list[Notifier] = []
    wanted = config.notify
    if wanted.slack:
        if settings.status_slack_webhook_url is None:
            raise ConfigError("notify.slack is on but CCGPT_STATUS_SLACK_WEBHOOK_URL is not set")
        notifiers.append(SlackNotifier(settings.status_slack_webhook_url.get_secret_value()))
    if wanted.email_to:
        if not settings.smtp_host:
            raise ConfigError("notify.email_to is set but CCGPT_SMTP_HOST is not")
        mailer = SmtpMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.mail_from,
            starttls=settings.smtp_starttls,
            use_ssl=settings.smtp_ssl,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_seconds,
        )
        notifiers.append(EmailNotifier(mailer, wanted.email_to))
    if wanted.github:
        token, repository = settings.status_github_token, settings.status_github_repository
        if token is None or not repository:
            raise ConfigError(
                "notify.github is on but CCGPT_STATUS_GITHUB_TOKEN or "
                "CCGPT_STATUS_GITHUB_REPOSITORY is not set"
            )
        notifiers.append(
            GitHubIssueNotifier(
                repository=repository,
                token=token.get_secret_value(),
                api_url=settings.status_github_api_url,
            )
        )
    return notifiers


def get_incident(session: Session, incident_id: str) -> Incident | None:
    return session.get(Incident, incident_id)


def list_incidents(session: Session, *, open_only: bool = False, limit: int = 50) -> list[Incident]:
    query = select(Incident).order_by(Incident.opened_at.desc()).limit(limit)
    if open_only:
        query = query.where(Incident.state == "open")
    return list(session.scalars(query))
