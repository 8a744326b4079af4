"""``ccgpt serve`` as a real process on a free loopback port, for tests that need a real HTTP
connection (proxies, access logs, commit-before-response races)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from tests.support.loopback import free_port

CCGPT = Path(sys.executable).with_name("ccgpt")
# Variables of the test run that would point the server at other stores or change it.
INHERITED_SWITCHES = ("DATABASE_URL", "REDIS_URL", "CHROMA_URL", "FORWARDED_ALLOW_IPS")


@contextmanager
def ccgpt_serve(
    environment: Mapping[str, str],
    *,
    log: Path | None = None,
    ready_path: str = "/healthz",
    timeout: float = 90,
    arguments: Sequence[str] = (),
) -> Iterator[str]:
    """Start the server with the test run's environment minus every ``CCGPT_`` and store
    variable, plus ``environment``; yield its URL once ``ready_path`` answers 200; stop it.
    Its output goes to ``log`` when given (stderr is kept for a start-up failure otherwise).
    ``arguments`` are added to ``ccgpt serve`` (``--workers 2``)."""
    with ccgpt_serve_process(
        environment, log=log, ready_path=ready_path, timeout=timeout, arguments=arguments
    ) as (
        _,
        url,
    ):
        yield url


@contextmanager
def ccgpt_serve_process(
    environment: Mapping[str, str],
    *,
    log: Path | None = None,
    ready_path: str = "/healthz",
    timeout: float = 90,
    arguments: Sequence[str] = (),
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``ccgpt_serve`` that also yields the process, for tests that signal it themselves;
    a process still running at the end is terminated."""
    port = free_port()
    variables = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("CCGPT_") and name not in INHERITED_SWITCHES
    }
    variables.update(environment)
    with ExitStack() as stack:
        sink = stack.enter_context(log.open("ab")) if log else subprocess.PIPE
        process = subprocess.Popen(
            [str(CCGPT), "serve", "--host", "127.0.0.1", "--port", str(port), *arguments],
            env=variables,
            stdout=sink if log else subprocess.DEVNULL,
            stderr=subprocess.STDOUT if log else subprocess.PIPE,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_ready(process, f"{url}{ready_path}", timeout, log)
            yield process, url
        finally:
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=30)


def _wait_until_ready(
    process: subprocess.Popen[bytes], url: str, timeout: float, log: Path | None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text() if log else (process.stderr.read() if process.stderr else b"")
            raise AssertionError(f"ccgpt serve exited: {output!r}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"ccgpt serve was not ready within {timeout} s")
