"""Jobs on a background thread of the API process: the embedded default, no Redis needed.
Jobs queued when the process stops are not lost: documents left pending or processing are
re-enqueued at start-up (see ``knowledge.ingestion.resume_unfinished``)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

import structlog

from customercare.jobs.base import IngestionHandler, IngestionRequest, RetryableJobError

log = structlog.get_logger(__name__)


class InProcessJobQueue:
    def __init__(
        self, handler: IngestionHandler, *, max_retries: int = 3, backoff_seconds: float = 0.5
    ) -> None:
        self._handler = handler
        self._max_retries = max_retries
        self._backoff_seconds = backoff_seconds
        # One thread: ingestion is CPU-bound (embedding) and the model already uses every core.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ccgpt-job")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def enqueue_ingestion(self, request: IngestionRequest) -> None:
        future = self._executor.submit(self._run, request)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _run(self, request: IngestionRequest) -> None:
        run_with_retries(self._handler, request, self._max_retries, self._backoff_seconds)

    def wait_until_idle(self, timeout_seconds: float) -> bool:
        deadline = time.monotonic() + timeout_seconds
        while True:
            with self._lock:
                pending = set(self._pending)
            if not pending:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            wait(pending, timeout=remaining)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=False)


class InlineJobQueue:
    """Runs each job at once in the caller's thread: the CLI's way to ingest with a progress
    bar and no server."""

    def __init__(
        self, handler: IngestionHandler, *, max_retries: int = 3, backoff_seconds: float = 0.5
    ) -> None:
        self._handler = handler
        self._max_retries = max_retries
        self._backoff_seconds = backoff_seconds

    def enqueue_ingestion(self, request: IngestionRequest) -> None:
        run_with_retries(self._handler, request, self._max_retries, self._backoff_seconds)

    def wait_until_idle(self, timeout_seconds: float) -> bool:
        return True

    def close(self) -> None:
        return None


class CollectingJobQueue:
    """Keeps requests for the caller to run in batches (bulk loads, evaluation, benchmarks)."""

    def __init__(self) -> None:
        self.requests: list[IngestionRequest] = []

    def enqueue_ingestion(self, request: IngestionRequest) -> None:
        self.requests.append(request)

    def drain(self) -> list[IngestionRequest]:
        requests, self.requests = self.requests, []
        return requests

    def wait_until_idle(self, timeout_seconds: float) -> bool:
        return not self.requests

    def close(self) -> None:
        return None


def run_with_retries(
    handler: IngestionHandler, request: IngestionRequest, max_retries: int, backoff: float
) -> None:
    for attempt in range(1, max_retries + 2):
        try:
            handler(request)
            return
        except RetryableJobError as error:
            log.warning(
                "job.retry", document_id=request.document_id, attempt=attempt, error=str(error)
            )
            if attempt <= max_retries:  # no point waiting after the last attempt
                time.sleep(backoff * attempt)
        except Exception:
            log.exception("job.crashed", document_id=request.document_id)
            return
