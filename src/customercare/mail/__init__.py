"""Outgoing mail: SMTP in production, a log line when no SMTP server is configured."""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

from customercare.mail.base import Mailer
from customercare.mail.local import LogMailer, NullMailer
from customercare.mail.smtp import SmtpMailer
from customercare.settings import Settings

if TYPE_CHECKING:
    from customercare.runtime import Runtime

__all__ = ["LogMailer", "Mailer", "NullMailer", "SmtpMailer", "build_mailer", "mailer_for"]

# Runtime is an unhashable dataclass: cache by identity, dropped when the runtime is collected.
_mailers: dict[int, Mailer] = {}
_lock = threading.Lock()


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


def mailer_for(runtime: Runtime) -> Mailer:
    """The runtime's mailer, built from its settings on first use."""
    key = id(runtime)
    with _lock:
        mailer = _mailers.get(key)
        if mailer is None:
            mailer = _mailers[key] = build_mailer(runtime.settings)
            weakref.finalize(runtime, _mailers.pop, key, None)
    return mailer
