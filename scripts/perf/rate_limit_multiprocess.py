"""Show that a per-key rate limit holds across several API processes sharing Redis.

Starts ``--processes`` ``ccgpt serve`` processes on free 127.0.0.1 ports, all pointing at the
same database (a scratch PostgreSQL database created from ``--database-url``, or a shared
SQLite file without it), the same Redis and, if given, the same Chroma server. Fires
``--requests`` requests with one API key, spread round-robin over the processes, and checks
that no more than ``--limit`` of them succeed in the window and that all the others are 429.

    .venv/bin/python scripts/perf/rate_limit_multiprocess.py \\
        --redis-url redis://127.0.0.1:6379/0 \\
        --database-url postgresql://postgres@127.0.0.1:5432/postgres \\
        --chroma-url http://127.0.0.1:8802

Exit status 0 when the limit held; the summary is printed as JSON."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from customercare.db.engine import make_engine, make_session_factory, transaction
from customercare.db.migrate import upgrade
from customercare.settings import normalise_database_url
from customercare.tenancy import service as tenancy

READY_TIMEOUT = 45.0
PATH = "/api/v1/workspace"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", required=True)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server URL: a scratch database is created on it and dropped after; "
        "without it the processes share a SQLite file",
    )
    parser.add_argument("--chroma-url", help="a Chroma server; without it each process embeds")
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--limit", type=int, default=40, help="requests per key per window")
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--concurrency", type=int, default=12)
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ScratchPostgres:
    def __init__(self, admin_url: str) -> None:
        self.admin = create_engine(normalise_database_url(admin_url), isolation_level="AUTOCOMMIT")
        self.name = f"ccgpt_ratelimit_{uuid.uuid4().hex[:10]}"
        base, _, _ = normalise_database_url(admin_url).rpartition("/")
        self.url = f"{base}/{self.name}"

    def __enter__(self) -> str:
        # DDL takes no bound parameters; the name is generated here from hex digits only.
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))  # nosemgrep
        return self.url

    def __exit__(self, *_: object) -> None:
        with self.admin.connect() as connection:
            drop = f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'
            connection.execute(text(drop))  # nosemgrep
        self.admin.dispose()


def create_key(database_url: str) -> str:
    engine = make_engine(database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            workspace = tenancy.create_workspace(session, name="Rate limit load test")
            return tenancy.create_api_key(session, workspace_id=workspace.id, name="load").secret
    finally:
        engine.dispose()


def start_servers(
    args: argparse.Namespace, database_url: str, scratch: Path, stack: ExitStack
) -> list[int]:
    ccgpt = Path(sys.executable).with_name("ccgpt")
    common = {
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis_url,
        "CCGPT_SECRET_KEY": secrets.token_urlsafe(32),
        "CCGPT_JOB_QUEUE_NAME": f"ccgpt-ratelimit-{uuid.uuid4().hex[:8]}",
        "CCGPT_RATE_LIMIT_PER_API_KEY_PER_MINUTE": str(args.limit),
        # Every request comes from 127.0.0.1: the per-IP limit would only blur the picture.
        "CCGPT_RATE_LIMIT_PER_IP_PER_MINUTE": "0",
        "CCGPT_LOG_LEVEL": "WARNING",
    }
    if args.chroma_url:
        common["CHROMA_URL"] = args.chroma_url
    ports: list[int] = []
    for index in range(args.processes):
        port = free_port()
        data_dir = scratch / f"api-{index}"
        data_dir.mkdir()
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("CCGPT_") and key not in ("DATABASE_URL", "CHROMA_URL")
        }
        env |= common | {"CCGPT_DATA_DIR": str(data_dir)}
        log = stack.enter_context((scratch / f"api-{index}.log").open("wb"))
        process = subprocess.Popen(  # noqa: S603  # nosec B603: a fixed command
            [str(ccgpt), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=data_dir,  # no .env file of the project leaks in
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        stack.callback(stop, process)
        ports.append(port)
    wait_until_ready(ports, scratch)
    return ports


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_ready(ports: list[int], scratch: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    pending = set(ports)
    with httpx.Client(timeout=2) as client:
        while pending:
            for port in sorted(pending):
                try:
                    if client.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                        pending.discard(port)
                except httpx.HTTPError:
                    pass
            if pending and time.monotonic() > deadline:
                logs = "\n".join(
                    path.read_text(errors="replace")[-2000:] for path in scratch.glob("*.log")
                )
                raise SystemExit(f"API processes on {sorted(pending)} did not start:\n{logs}")
            if pending:
                time.sleep(0.2)


def fire(args: argparse.Namespace, ports: list[int], secret: str) -> list[tuple[int, int]]:
    """(port, status) of every request, sent round-robin over the processes."""
    headers = {"Authorization": f"Bearer {secret}"}
    clients = {
        port: httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) for port in ports
    }

    def one(index: int) -> tuple[int, int]:
        port = ports[index % len(ports)]
        return port, clients[port].get(PATH, headers=headers).status_code

    try:
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            return list(pool.map(one, range(args.requests)))
    finally:
        for client in clients.values():
            client.close()


def summarise(
    args: argparse.Namespace, results: list[tuple[int, int]], seconds: float
) -> dict[str, Any]:
    statuses = Counter(status for _, status in results)
    per_process: dict[str, dict[str, int]] = {}
    for port, status in results:
        counts = per_process.setdefault(str(port), {})
        counts[str(status)] = counts.get(str(status), 0) + 1
    ok = sum(count for status, count in statuses.items() if 200 <= status < 300)
    limited = statuses.get(429, 0)
    failures = []
    if ok > args.limit:
        failures.append(f"{ok} requests succeeded; the limit is {args.limit}")
    if ok + limited != args.requests:
        failures.append(f"unexpected statuses: {dict(statuses)}")
    if args.requests >= args.limit and ok < args.limit:
        failures.append(f"only {ok} of the {args.limit} allowed requests succeeded")
    if args.requests - args.limit >= args.processes and any(
        counts.get("429", 0) == 0 for counts in per_process.values()
    ):
        failures.append("a process never refused: it does not share the count")
    return {
        "processes": args.processes,
        "requests": args.requests,
        "limit": args.limit,
        "succeeded": ok,
        "rate_limited": limited,
        "per_process": per_process,
        "seconds": round(seconds, 2),
        "ok": not failures,
        "failures": failures,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ccgpt-rl-")))
        if args.database_url:
            database_url = stack.enter_context(ScratchPostgres(args.database_url))
        else:
            database_url = f"sqlite:///{scratch / 'shared.db'}"
        upgrade(normalise_database_url(database_url))  # once, before the processes start
        secret = create_key(normalise_database_url(database_url))
        started = time.monotonic()
        ports = start_servers(args, database_url, scratch, stack)
        print(f"{len(ports)} API processes ready in {time.monotonic() - started:.1f} s: {ports}")
        began = time.monotonic()
        results = fire(args, ports, secret)
        summary = summarise(args, results, time.monotonic() - began)
    print(json.dumps(summary, indent=2))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
