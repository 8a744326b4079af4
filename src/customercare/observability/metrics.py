"""Prometheus metrics: one place that defines every metric the service exports.

Labels are bounded by construction: route templates (not paths), status classes, decisions,
stages, provider kinds and outcome words. Never a workspace id, a user's text or an id.

With ``ccgpt serve --workers N`` every API process writes its samples to files in
``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode, which reads that variable
when this module is imported; ``ccgpt serve`` sets it), and ``/metrics`` on any process
answers for all of them."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import Engine, QueuePool, event

__all__ = [
    "CONTENT_TYPE_LATEST",
    "MULTIPROCESS_VARIABLE",
    "answer_stage_seconds",
    "chat_turns",
    "db_pool_checked_out",
    "db_pool_overflow",
    "db_pool_size",
    "embedder_seconds",
    "exposition",
    "http_request_seconds",
    "http_requests",
    "ingestion_job_seconds",
    "ingestion_jobs",
    "ingestion_jobs_running",
    "llm_calls",
    "llm_tokens",
    "observe_pool",
    "observe_seconds",
    "process_cpu_seconds",
    "process_resident_memory",
    "refusals",
    "sample_process",
    "status_class",
    "vector_store_seconds",
]

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Seconds: from a fast health probe to a slow streamed answer.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
JOB_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)

http_requests = Counter(
    "ccgpt_http_requests_total",
    "HTTP requests by method, route template and status class.",
    ["method", "route", "status"],
)
http_request_seconds = Histogram(
    "ccgpt_http_request_duration_seconds",
    "Time from request to the end of the response body, by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
chat_turns = Counter(
    "ccgpt_chat_turns_total",
    "Chat turns by decision (answered, no_answer, handoff, agent) and outcome "
    "(complete, failed, cancelled).",
    ["decision", "status"],
)
answer_stage_seconds = Histogram(
    "ccgpt_answer_stage_seconds",
    "Time spent per answer stage: retrieve, decide, generate, first_token, total.",
    ["stage"],
    buckets=LATENCY_BUCKETS,
)
llm_calls = Counter(
    "ccgpt_llm_calls_total",
    "Answer-provider calls by provider kind and outcome (ok, error, retry, fallback).",
    ["provider", "outcome"],
)
llm_tokens = Counter(
    "ccgpt_llm_tokens_total",
    "Tokens reported by the LLM, by direction (prompt, completion).",
    ["direction"],
)
embedder_seconds = Histogram(
    "ccgpt_embedder_duration_seconds",
    "Time to embed one batch, by purpose (query, passages).",
    ["purpose"],
    buckets=LATENCY_BUCKETS,
)
vector_store_seconds = Histogram(
    "ccgpt_vector_store_duration_seconds",
    "Vector-store operation time, by operation (query, upsert, delete).",
    ["operation"],
    buckets=LATENCY_BUCKETS,
)
ingestion_jobs = Counter(
    "ccgpt_ingestion_jobs_total",
    "Ingestion jobs by event: queued, started, succeeded, failed, retried.",
    ["event"],
)
ingestion_jobs_running = Gauge(
    "ccgpt_ingestion_jobs_running",
    "Ingestion jobs running now.",
    multiprocess_mode="livesum",
)
ingestion_job_seconds = Histogram(
    "ccgpt_ingestion_job_duration_seconds",
    "Time one ingestion job took, by outcome.",
    ["outcome"],
    buckets=JOB_BUCKETS,
)
refusals = Counter(
    "ccgpt_refusals_total",
    "Requests refused by a limit: rate_limit or quota.",
    ["kind"],
)
db_pool_size = Gauge(
    "ccgpt_db_pool_size", "Database connections the pools keep.", multiprocess_mode="livesum"
)
db_pool_checked_out = Gauge(
    "ccgpt_db_pool_checked_out",
    "Database connections in use now.",
    multiprocess_mode="livesum",
)
# Per process ("all": each API process is a series, labelled by pid in multiprocess mode).
process_resident_memory = Gauge(
    "ccgpt_process_resident_memory_bytes",
    "Resident memory of the process.",
    multiprocess_mode="all",
)
process_cpu_seconds = Gauge(
    "ccgpt_process_cpu_seconds", "CPU time the process has used.", multiprocess_mode="all"
)
db_pool_overflow = Gauge(
    "ccgpt_db_pool_overflow",
    "Connections opened beyond the pools' size.",
    multiprocess_mode="livesum",
)


def status_class(status: int) -> str:
    return f"{status // 100}xx"


@contextmanager
def observe_seconds(histogram: Histogram, **labels: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        histogram.labels(**labels).observe(time.perf_counter() - started)


class _ScrapeTimeGauges(Collector):
    """Gauges read when scraped (the ingestion backlog), from a callback the app gives."""

    def __init__(self, read: Callable[[], dict[str, int]]) -> None:
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "ccgpt_ingestion_backlog",
            "Documents waiting for or in ingestion, by status (pending, processing).",
            labels=["status"],
        )
        try:
            counts = self._read()
        except Exception:  # the database is down: the backlog is unknown, not zero
            counts = {}
        for status, count in sorted(counts.items()):
            family.add_metric([status], count)
        yield family


def exposition(*, backlog: Callable[[], dict[str, int]] | None = None) -> bytes:
    """Every metric of this deployment in the text format (all processes in multiprocess
    mode), then the scrape-time gauges."""
    if os.environ.get(MULTIPROCESS_VARIABLE):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    if backlog is not None:
        scrape_time = CollectorRegistry()
        scrape_time.register(_ScrapeTimeGauges(backlog))
        body += generate_latest(scrape_time)
    return body


_last_process_sample = 0.0


def sample_process(*, every_seconds: float = 5.0) -> None:
    """Refresh this process's CPU and memory gauges, at most every ``every_seconds``."""
    global _last_process_sample
    now = time.monotonic()
    if now - _last_process_sample < every_seconds:
        return
    _last_process_sample = now
    usage = resource.getrusage(resource.RUSAGE_SELF)
    process_cpu_seconds.set(usage.ru_utime + usage.ru_stime)
    process_resident_memory.set(_resident_bytes())


def _resident_bytes() -> int:
    try:
        with Path("/proc/self/statm").open() as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: the peak is the best the standard library knows
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def observe_pool(engine: Engine) -> Engine:
    """Pool metrics from the pool's own events: size once, in use and overflow as they move."""
    pool = engine.pool
    size = pool.size() if isinstance(pool, QueuePool) else 0
    db_pool_size.inc(size)

    def moved(*_: object) -> None:
        if isinstance(pool, QueuePool):
            db_pool_overflow.set(max(0, pool.overflow()))

    def checked_out(*_: object) -> None:
        db_pool_checked_out.inc()
        moved()

    def checked_in(*_: object) -> None:
        db_pool_checked_out.dec()
        moved()

    event.listen(pool, "checkout", checked_out)
    event.listen(pool, "checkin", checked_in)
    return engine
