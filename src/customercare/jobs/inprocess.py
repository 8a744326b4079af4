"""Jobs on a background thread of the API process: the embedded default, no Redis needed.
Jobs queued when the process stops are not lost: documents left pending or processing are
re-enqueued at start-up (see ``knowledge.ingestion.resume_unfinished``)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Literal

import structlog

from customercare.jobs.base import IngestionHandler, IngestionRequest, RetryableJobError

log = structlog.get_logger(__name__)


Mode = Literal["thread", "inline", "collect"]


class InProcessJobQueue:
    """The embedded queue, in one of three modes:

    - ``thread`` (the API's default): jobs run on a background thread of this process;
    - ``inline``: each job runs at once in the caller's thread (the CLI, with a progress bar);
    - ``collect``: requests are kept for the caller to ``drain`` and run in batches (bulk
      loads, evaluation, benchmarks: the embedder needs full batches)."""

    def __init__(
        self,
        handler: IngestionHandler | None = None,
        *,
        mode: Mode = "thread",
        max_retries: int = 3,
        backoff_seconds: float = 0.5,
    ) -> None:
        if handler is None and mode != "collect":
            raise ValueError(f"a {mode} queue needs a handler")
        self._handler = handler
        self._mode = mode
        self._max_retries = max_retries
        self._backoff_seconds = backoff_seconds
        self.requests: list[IngestionRequest] = []
        # One thread: ingestion is CPU-bound (embedding) and the model already uses every core.
        self._executor = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="ccgpt-job")
            if mode == "thread"
            else None
        )
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def enqueue_ingestion(self, request: IngestionRequest) -> None:
        if self._mode == "collect":
            self.requests.append(request)
        elif self._executor is None:
            self._run(request)
        else:
            future = self._executor.submit(self._run, request)
            with self._lock:
                self._pending.add(future)
            future.add_done_callback(self._forget)

    def drain(self) -> list[IngestionRequest]:
        """The collected requests, handed over once (``collect`` mode)."""
        requests, self.requests = self.requests, []
        return requests

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _run(self, request: IngestionRequest) -> None:
        if self._handler is None:  # a collect queue never runs jobs (checked in __init__)
            raise RuntimeError("a collect queue does not run jobs")
        run_with_retries(self._handler, request, self._max_retries, self._backoff_seconds)

    def wait_until_idle(self, timeout_seconds: float) -> bool:
        if self._mode == "collect":
            return not self.requests
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
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=False)


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
