"""``ccgpt serve`` (the API) and ``ccgpt worker`` (Redis job consumer)."""

from __future__ import annotations

import typer

from customercare.cli.context import fail, settings


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="API processes (needs DATABASE_URL and REDIS_URL if > 1)."),
) -> None:
    """Run the HTTP API."""
    import uvicorn

    from customercare.observability.logging import configure_logging
    from customercare.observability.redaction import uvicorn_log_config

    current = settings()
    configure_logging(level=current.log_level, json=current.log_json)
    if workers > 1:
        _share_metrics_between_workers()
    uvicorn.run(
        "customercare.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=current.log_level.lower(),
        log_config=uvicorn_log_config(),  # credentials in query strings become [redacted]
        proxy_headers=True,
        forwarded_allow_ips=current.forwarded_allow_ips,
    )


def _share_metrics_between_workers() -> None:
    """prometheus-client's multiprocess mode: each API process writes its samples under one
    directory that ``/metrics`` reads, so any process answers for all. The library reads the
    variable itself, in each worker, when the metrics module is imported."""
    import os
    import tempfile

    from customercare.observability.metrics import MULTIPROCESS_VARIABLE

    if not os.environ.get(MULTIPROCESS_VARIABLE):
        os.environ[MULTIPROCESS_VARIABLE] = tempfile.mkdtemp(prefix="ccgpt-metrics-")


def worker(
    threads: int | None = typer.Option(
        None, help="Jobs processed at once (default: CCGPT_WORKER_THREADS).", min=1
    ),
    metrics_port: int | None = typer.Option(
        None, help="Serve this worker's Prometheus metrics on 127.0.0.1:PORT/metrics.", min=1
    ),
) -> None:
    """Consume ingestion jobs from Redis until interrupted."""
    from customercare.bootstrap import build_runtime, ingestion_handler
    from customercare.db.migrate import upgrade
    from customercare.jobs.redis_queue import run_worker
    from customercare.observability.logging import configure_logging
    from customercare.sweeps import Periodic, requeue_documents

    current = settings()
    if not current.redis_url:
        raise fail("the worker needs REDIS_URL; without it jobs run inside `ccgpt serve`")
    configure_logging(level=current.log_level, json=current.log_json)
    upgrade(current.resolved_database_url)
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1")
    # Its queue is only for the sweep: documents whose job was lost (an enqueue that failed,
    # Redis restarted empty) are queued again, at start and then periodically.
    runtime = build_runtime(current, jobs="redis")
    sweep = Periodic(
        "requeue",
        lambda: requeue_documents(
            runtime.sessions, runtime.job_queue, stale_seconds=current.job_stale_seconds
        ),
        interval=current.job_sweep_interval_seconds,
    ).start()
    try:
        run_worker(
            current.redis_url,
            queue_name=current.job_queue_name,
            handler=ingestion_handler(runtime),
            heartbeat_timeout_ms=current.job_heartbeat_timeout_ms,
            max_retries=current.job_max_retries,
            threads=threads or current.worker_threads,
        )
    finally:
        sweep.stop()
        runtime.close()
