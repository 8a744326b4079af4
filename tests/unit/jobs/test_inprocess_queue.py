"""The in-process job queues (a background thread, or inline in the caller) with plain handlers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Literal

import pytest

from customercare.jobs import InProcessJobQueue
from customercare.jobs.base import IngestionRequest, JobInterrupted, RetryableJobError

QueueFactory = Callable[..., InProcessJobQueue]


def request(number: int, version: int = 1) -> IngestionRequest:
    return IngestionRequest(document_id=f"doc-{number}", version=version)


class Handler:
    """Records each call; fails the first ``failures`` calls with ``error``."""

    def __init__(self, *, failures: int = 0, error: type[Exception] = RetryableJobError) -> None:
        self.calls: list[IngestionRequest] = []
        self.threads: list[threading.Thread] = []
        self.failures = failures
        self.error = error
        self._lock = threading.Lock()

    def __call__(self, job: IngestionRequest) -> None:
        with self._lock:
            self.calls.append(job)
            self.threads.append(threading.current_thread())
            fail = len(self.calls) <= self.failures
        if fail:
            raise self.error(f"attempt {len(self.calls)} failed")


@pytest.fixture
def queues() -> Iterator[list[InProcessJobQueue]]:
    created: list[InProcessJobQueue] = []
    yield created
    for queue in created:
        queue.close()


@pytest.fixture(params=["inprocess", "inline"])
def make_queue(request: pytest.FixtureRequest, queues: list[InProcessJobQueue]) -> QueueFactory:
    mode: Literal["thread", "inline"] = "thread" if request.param == "inprocess" else "inline"

    def factory(handler: Handler, *, max_retries: int = 3) -> InProcessJobQueue:
        queue = InProcessJobQueue(handler, mode=mode, max_retries=max_retries, backoff_seconds=0)
        queues.append(queue)
        return queue

    return factory


def test_runs_every_job_in_order(make_queue: QueueFactory) -> None:
    handler = Handler()
    queue = make_queue(handler)
    jobs = [request(i) for i in range(5)]
    for job in jobs:
        queue.enqueue_ingestion(job)
    assert queue.wait_until_idle(10)
    assert handler.calls == jobs


def test_retries_a_retryable_failure_then_succeeds(make_queue: QueueFactory) -> None:
    handler = Handler(failures=2)
    queue = make_queue(handler, max_retries=3)
    queue.enqueue_ingestion(request(1))
    assert queue.wait_until_idle(10)
    assert handler.calls == [request(1)] * 3


@pytest.mark.parametrize("max_retries", [0, 1, 3])
def test_gives_up_after_max_retries(make_queue: QueueFactory, max_retries: int) -> None:
    handler = Handler(failures=100)
    queue = make_queue(handler, max_retries=max_retries)
    queue.enqueue_ingestion(request(1))
    assert queue.wait_until_idle(10)
    # The first attempt plus max_retries retries, then nothing more.
    assert handler.calls == [request(1)] * (max_retries + 1)


def test_other_exceptions_are_not_retried(make_queue: QueueFactory) -> None:
    handler = Handler(failures=1, error=ValueError)
    queue = make_queue(handler, max_retries=3)
    queue.enqueue_ingestion(request(1))
    queue.enqueue_ingestion(request(2))
    assert queue.wait_until_idle(10)
    # The crash is contained: one call for the crashing job, and the next job still runs.
    assert handler.calls == [request(1), request(2)]


def test_inprocess_runs_on_a_background_thread() -> None:
    handler = Handler()
    queue = InProcessJobQueue(handler, backoff_seconds=0)
    try:
        queue.enqueue_ingestion(request(1))
        assert queue.wait_until_idle(10)
    finally:
        queue.close()
    assert handler.threads[0].name.startswith("ccgpt-job")
    assert handler.threads[0] is not threading.current_thread()


def test_inline_runs_in_the_callers_thread() -> None:
    handler = Handler(failures=1)
    queue = InProcessJobQueue(handler, mode="inline", backoff_seconds=0)
    queue.enqueue_ingestion(request(1))
    # Done (retry included) by the time enqueue returns.
    assert handler.calls == [request(1)] * 2
    assert handler.threads == [threading.current_thread()] * 2
    assert queue.wait_until_idle(0)
    queue.close()


def test_wait_until_idle_times_out_while_a_job_runs() -> None:
    release = threading.Event()
    started = threading.Event()

    def blocked(job: IngestionRequest) -> None:
        started.set()
        release.wait(10)

    queue = InProcessJobQueue(blocked, backoff_seconds=0)
    try:
        queue.enqueue_ingestion(request(1))
        queue.enqueue_ingestion(request(2))
        assert started.wait(5)
        assert queue.wait_until_idle(0.1) is False
        assert queue.wait_until_idle(0) is False
        release.set()
        assert queue.wait_until_idle(10) is True
    finally:
        release.set()
        queue.close()


def test_idle_when_nothing_was_enqueued() -> None:
    queue = InProcessJobQueue(Handler(), backoff_seconds=0)
    try:
        assert queue.wait_until_idle(0) is True
    finally:
        queue.close()


def test_close_does_not_drain_and_stops_the_running_job_at_its_checkpoint() -> None:
    """Shutdown must not wait for the whole queue: before, close() ran every queued job
    (minutes with a big document), and the server needed kill -9."""
    started = threading.Event()
    calls: list[IngestionRequest] = []
    saw_stop: list[bool] = []

    def cooperative(job: IngestionRequest) -> None:
        calls.append(job)
        started.set()
        saw_stop.append(queue.stop.wait(10))  # the job's checkpoint: the queue says stop
        raise JobInterrupted("shutting down")

    queue = InProcessJobQueue(cooperative, backoff_seconds=0, threads=1)
    for i in range(3):
        queue.enqueue_ingestion(request(i))
    assert started.wait(10)
    queue.close()
    # The running job stopped at its checkpoint; the queued ones never ran (their documents
    # stay pending in the database and resume at the next start).
    assert calls == [request(0)]
    assert saw_stop == [True]
    assert queue.wait_until_idle(0)
    with pytest.raises(RuntimeError):
        queue.enqueue_ingestion(request(9))


def test_close_gives_up_on_a_job_that_ignores_the_stop_after_the_grace() -> None:
    release = threading.Event()
    started = threading.Event()
    threads: list[threading.Thread] = []

    def stubborn(job: IngestionRequest) -> None:
        threads.append(threading.current_thread())
        started.set()
        release.wait(30)

    queue = InProcessJobQueue(stubborn, backoff_seconds=0, shutdown_grace_seconds=0.1)
    try:
        queue.enqueue_ingestion(request(1))
        assert started.wait(10)
        queue.close()  # returns although the job still runs
        assert threads[0].is_alive()
        assert threads[0].daemon  # so it cannot keep the process alive either
    finally:
        release.set()


def test_workspaces_take_turns_on_one_thread() -> None:
    """Round-robin across workspaces, in order within each: before, jobs ran in arrival
    order, so B's upload waited for every job A had queued."""
    gate = threading.Event()
    order: list[str] = []

    def handler(job: IngestionRequest) -> None:
        if job.document_id == "a-1":
            gate.wait(10)
        order.append(job.document_id)

    queue = InProcessJobQueue(handler, backoff_seconds=0, threads=1)
    try:
        for name in ("a-1", "a-2", "a-3", "b-1", "b-2"):
            queue.enqueue_ingestion(IngestionRequest(name, 1, workspace_id=name[0]))
        gate.set()
        assert queue.wait_until_idle(10)
    finally:
        gate.set()
        queue.close()
    assert order == ["a-1", "b-1", "a-2", "b-2", "a-3"]


def test_a_long_job_of_one_workspace_leaves_a_thread_to_the_others() -> None:
    """With two threads, workspace A's stuck job and its queue hold one thread at most: B's
    job runs meanwhile, and A's next job waits for A's first."""
    release = threading.Event()
    b_done = threading.Event()
    ran: list[str] = []

    def handler(job: IngestionRequest) -> None:
        ran.append(job.document_id)
        if job.document_id == "a-1":
            release.wait(30)
        if job.document_id == "b-1":
            b_done.set()

    queue = InProcessJobQueue(handler, backoff_seconds=0, threads=2)
    try:
        queue.enqueue_ingestion(IngestionRequest("a-1", 1, workspace_id="a"))
        queue.enqueue_ingestion(IngestionRequest("a-2", 1, workspace_id="a"))
        queue.enqueue_ingestion(IngestionRequest("b-1", 1, workspace_id="b"))
        assert b_done.wait(10), "b's job waited behind a's"
        assert "a-2" not in ran
        release.set()
        assert queue.wait_until_idle(10)
        assert sorted(ran) == ["a-1", "a-2", "b-1"]
    finally:
        release.set()
        queue.close()


def test_the_workspace_is_a_scheduling_hint_not_part_of_the_job() -> None:
    assert IngestionRequest("d", 1, workspace_id="w") == IngestionRequest("d", 1)


def test_collect_keeps_requests_for_the_caller() -> None:
    queue = InProcessJobQueue(mode="collect")
    queue.enqueue_ingestion(request(1))
    queue.enqueue_ingestion(request(2))
    assert not queue.wait_until_idle(0)
    assert queue.drain() == [request(1), request(2)]
    assert queue.drain() == []
    assert queue.wait_until_idle(0)


def test_only_collect_goes_without_a_handler() -> None:
    with pytest.raises(ValueError, match="needs a handler"):
        InProcessJobQueue(mode="thread")
