"""Mailers for an installation without SMTP: log that a mail went out (never its body, which
holds links and tokens), or drop it silently."""

from __future__ import annotations

import structlog

log = structlog.get_logger(__name__)


class LogMailer:
    def send(self, to: str, subject: str, text: str) -> None:
        log.info("mail.not_delivered", to=to, subject=subject, reason="no SMTP server configured")


class NullMailer:
    def send(self, to: str, subject: str, text: str) -> None:
        return None
