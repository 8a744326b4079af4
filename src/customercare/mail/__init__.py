"""Outgoing mail: SMTP in production, a log line when no SMTP server is configured."""

from __future__ import annotations

from customercare.mail.base import Mailer
from customercare.mail.local import LogMailer, NullMailer
from customercare.mail.smtp import SmtpMailer
from customercare.settings import Settings

__all__ = ["LogMailer", "Mailer", "NullMailer", "SmtpMailer", "build_mailer"]


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
