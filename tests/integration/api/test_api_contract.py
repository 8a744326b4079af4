"""The API keeps the promises of its own OpenAPI document: schemathesis (its ``st`` command)
generates requests for every operation, from the document, against the app served by uvicorn
on 127.0.0.1, authenticated with a workspace API key made here, and fails on any 5xx, any
status, content type or body the document does not declare, and any 405 without a correct
``Allow`` header.

Bounded: a fixed seed and a few examples per operation keep it to about a minute. ``nox -s
api-contract`` runs this test alone."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from customercare.app import create_app
from customercare.runtime import Runtime
from tests.support.loopback import free_port

ST = Path(sys.executable).with_name("st")
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "unsupported_method",
        "allow_header_conformance",
    )
)
MAX_EXAMPLES = 10
SEED = 20260418
# The crawler would fetch whatever URL is generated: tests never leave the machine.
EXCLUDED_PATHS = (
    "/api/v1/documents/web",
    # Server-Sent Events of live events never end: each example would wait for the timeout.
    "/api/v1/inbox/events",
    "/api/v1/conversations/{conversation_id}/events",
    "/api/v1/widget/events",
)


@contextmanager
def uvicorn_on_loopback(runtime: Runtime) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        create_app(runtime=runtime), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="contract-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_responses_match_the_openapi_document(
    runtime: Runtime, make_tenant: Any, tmp_path: Path
) -> None:
    tenant = make_tenant("API contract")
    with uvicorn_on_loopback(runtime) as url:
        command = [
            str(ST),
            "run",
            f"{url}/openapi.json",
            "--header",
            f"Authorization: Bearer {tenant.api_key}",
            "--checks",
            CHECKS,
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--workers",
            "1",
            "--generation-database",
            "none",
            "--request-timeout",
            "30",
            "--no-color",
            *(argument for path in EXCLUDED_PATHS for argument in ("--exclude-path", path)),
        ]
        completed = subprocess.run(  # fixed arguments, loopback only
            command,
            capture_output=True,
            text=True,
            timeout=220,
            cwd=tmp_path,
            check=False,
        )
    report = completed.stdout + completed.stderr
    assert completed.returncode == 0, report[-30_000:]
    tested = re.search(r"Tested: (\d+)", report)
    assert tested is not None, report[-5_000:]
    assert int(tested.group(1)) >= 30, report[-5_000:]  # every operation, not a handful
