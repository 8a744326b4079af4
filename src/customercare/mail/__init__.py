"""Outgoing mail: SMTP in production, a log line when no SMTP server is configured."""

from __future__ import annotations

from customercare.mail.base import Mailer
from customercare.mail.local import LogMailer, NullMailer
from customercare.mail.outbox import MailSweeper, OutboxMailer, deliver
from customercare.mail.smtp import SmtpMailer
from customercare.settings import Settings

__all__ = [
    "LogMailer",
    "MailSweeper",
    "Mailer",
    "NullMailer",
    "OutboxMailer",
    "SmtpMailer",
    "build_mailer",
    "deliver",
]


def build_mailer(settings: Settings) -> Mailer:
    if not settings.smtp_host:
        return LogMailer()
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.mail_from,
        starttls=settings.smtp_starttls,
        use_ssl=settings.smtp_ssl,
        username=settings.smtp_username,
        password=settings.smtp_password,
        timeout=settings.smtp_timeout_seconds,
    )
