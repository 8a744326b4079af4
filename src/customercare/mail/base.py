"""What sending a mail means to the rest of the application."""

from __future__ import annotations

from typing import Protocol


class Mailer(Protocol):
    def send(self, to: str, subject: str, text: str) -> None:
        """Deliver a plain-text mail to one recipient, or raise."""
        ...
