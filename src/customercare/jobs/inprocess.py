"""Jobs on background threads of the API process: the embedded default, no Redis needed.

Fairness: requests wait in one lane per workspace; a free worker takes the next request of
the workspace served least recently (round-robin), and one workspace never holds more than
``threads - 1`` workers (at least one), so a big upload of one workspace cannot hold back
the others' small ones.

Shutdown does not drain: ``close`` drops what is still queued, asks the running jobs to stop
at their next checkpoint (``stop`` event, ``JobInterrupted``) and waits at most
``shutdown_grace_seconds``. Nothing is lost: documents left pending or processing are
re-enqueued at start-up (see ``knowledge.ingestion.resume_unfinished``)."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from typing import Literal

import structlog

from customercare.jobs.base import (
    IngestionHandler,
    IngestionRequest,
    JobInterrupted,
    RetryableJobError,
)
from customercare.observability import metrics

log = structlog.get_logger(__name__)


Mode = Literal["thread", "inline", "collect"]


class InProcessJobQueue:
    """The embedded queue, in one of three modes:

    - ``thread`` (the API's default): jobs run on ``threads`` background threads of this
      process, fairly across workspaces;
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
        threads: int = 2,
        stop: threading.Event | None = None,
        shutdown_grace_seconds: float = 5.0,
    ) -> None:
        if handler is None and mode != "collect":
            raise ValueError(f"a {mode} queue needs a handler")
        if threads < 1:
            raise ValueError("threads must be at least 1")
        self._handler = handler
        self._mode = mode
        self._max_retries = max_retries
        self._backoff_seconds = backoff_seconds
        self._grace = shutdown_grace_seconds
        # Set by close(); the handler checks it between steps and raises JobInterrupted.
        self.stop = stop or threading.Event()
        self.requests: list[IngestionRequest] = []
        self._per_workspace = max(1, threads - 1)
        self._lanes: dict[str, deque[IngestionRequest]] = {}
        self._running: Counter[str] = Counter()
        self._served: dict[str, int] = {}  # workspace -> tick of its last job start
        self._ticks = 0
        self._outstanding = 0  # queued + running
        self._condition = threading.Condition()
        self._closed = False
        self._workers = [
            threading.Thread(target=self._work, name=f"ccgpt-job-{n}", daemon=True)
            for n in range(threads if mode == "thread" else 0)
        ]
        for worker in self._workers:
            worker.start()

    def enqueue_ingestion(self, request: IngestionRequest) -> None:
        if self._closed:
            raise RuntimeError("the job queue is closed")
        metrics.ingestion_jobs.labels(event="queued").inc()
        if self._mode == "collect":
            self.requests.append(request)
        elif self._mode == "inline":
            self._run(request)
        else:
            with self._condition:
                self._lanes.setdefault(request.workspace_id, deque()).append(request)
                self._outstanding += 1
                self._condition.notify()

    def drain(self) -> list[IngestionRequest]:
        """The collected requests, handed over once (``collect`` mode)."""
        requests, self.requests = self.requests, []
        return requests

    def _next(self) -> IngestionRequest | None:
        """The next request of the least recently served workspace that may run one more
        job (under the lock): round-robin across workspaces, in order within each."""
        eligible = [
            workspace_id
            for workspace_id in self._lanes
            if self._running[workspace_id] < self._per_workspace
        ]
        if not eligible:
            return None
        workspace_id = min(eligible, key=lambda name: self._served.get(name, -1))
        lane = self._lanes[workspace_id]
        request = lane.popleft()
        if not lane:
            del self._lanes[workspace_id]
        self._ticks += 1
        self._served[workspace_id] = self._ticks
        self._running[workspace_id] += 1
        return request

    def _work(self) -> None:
        while True:
            with self._condition:
                request = self._next()
                while request is None and not self.stop.is_set():
                    self._condition.wait()
                    request = self._next()
                if request is None:
                    return
            try:
                self._run(request)
            finally:
                with self._condition:
                    self._running[request.workspace_id] -= 1
                    self._outstanding -= 1
                    self._condition.notify_all()

    def _run(self, request: IngestionRequest) -> None:
        if self._handler is None:  # a collect queue never runs jobs (checked in __init__)
            raise RuntimeError("a collect queue does not run jobs")
        run_with_retries(
            self._handler, request, self._max_retries, self._backoff_seconds, stop=self.stop
        )

    def wait_until_idle(self, timeout_seconds: float) -> bool:
        if self._mode == "collect":
            return not self.requests
        deadline = time.monotonic() + timeout_seconds
        with self._condition:
            while self._outstanding:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)
            return True

    def close(self) -> None:
        """Stop without draining: queued jobs are dropped (their documents stay pending in
        the database), running ones are asked to stop and given a short grace."""
        self._closed = True
        self.stop.set()
        with self._condition:
            dropped = sum(len(lane) for lane in self._lanes.values())
            self._lanes.clear()
            self._outstanding -= dropped
            self._condition.notify_all()
        deadline = time.monotonic() + self._grace
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        unfinished = sum(worker.is_alive() for worker in self._workers)
        if dropped or unfinished:
            # Daemon threads: a job still in native code does not keep the process alive.
            log.info("jobs.stopped", left_queued=dropped, still_running=unfinished)


def run_with_retries(
    handler: IngestionHandler,
    request: IngestionRequest,
    max_retries: int,
    backoff: float,
    *,
    stop: threading.Event | None = None,
) -> None:
    for attempt in range(1, max_retries + 2):
        try:
            handler(request)
            return
        except JobInterrupted:
            log.info("job.interrupted", document_id=request.document_id)
            return
        except RetryableJobError as error:
            log.warning(
                "job.retry", document_id=request.document_id, attempt=attempt, error=str(error)
            )
            if stop is not None and stop.is_set():
                return  # shutting down: the document is resumed at the next start
            if attempt <= max_retries:  # no point waiting after the last attempt
                time.sleep(backoff * attempt)
        except Exception:
            log.exception("job.crashed", document_id=request.document_id)
            return
