"""The job queue interface: enqueue an ingestion, a worker somewhere runs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class IngestionRequest:
    document_id: str
    version: int
    # Only a scheduling hint for the in-process queue's per-workspace fairness; not part of
    # the job's identity (equality) and not sent through Redis, whose messages stay
    # (document_id, version).
    workspace_id: str = field(default="", compare=False)


class RetryableJobError(Exception):
    """Raised by a handler for a failure worth another attempt (a service was down)."""


class JobInterrupted(Exception):
    """Raised by a handler that stopped at a checkpoint because its queue is shutting down.
    The job is neither retried nor failed: its document stays pending/processing in the
    database and is resumed at the next start."""


IngestionHandler = Callable[[IngestionRequest], None]


class JobQueue(Protocol):
    def enqueue_ingestion(self, request: IngestionRequest) -> None: ...

    def wait_until_idle(self, timeout_seconds: float) -> bool:
        """True when every job enqueued by this process has finished (in-process only;
        a Redis queue cannot know and returns True at once)."""
        ...

    def close(self) -> None: ...
