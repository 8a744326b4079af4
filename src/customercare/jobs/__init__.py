"""Jobs' public face: the queue interface and its two implementations, in-process (the
embedded default) and Redis (``jobs.redis_queue``, with ``ccgpt worker`` processes)."""

from __future__ import annotations

from customercare.jobs.base import (
    IngestionHandler,
    IngestionRequest,
    JobInterrupted,
    JobQueue,
    RetryableJobError,
)
from customercare.jobs.inprocess import InProcessJobQueue, run_with_retries

__all__ = [
    "InProcessJobQueue",
    "IngestionHandler",
    "IngestionRequest",
    "JobInterrupted",
    "JobQueue",
    "RetryableJobError",
    "run_with_retries",
]
