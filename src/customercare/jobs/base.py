"""The job queue interface: enqueue an ingestion, a worker somewhere runs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class IngestionRequest:
    document_id: str
    version: int


class RetryableJobError(Exception):
    """Raised by a handler for a failure worth another attempt (a service was down)."""


IngestionHandler = Callable[[IngestionRequest], None]


class JobQueue(Protocol):
    def enqueue_ingestion(self, request: IngestionRequest) -> None: ...

    def wait_until_idle(self, timeout_seconds: float) -> bool:
        """True when every job enqueued by this process has finished (in-process only;
        a Redis queue cannot know and returns True at once)."""
        ...

    def close(self) -> None: ...
