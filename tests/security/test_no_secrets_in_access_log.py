"""The real ``ccgpt serve`` at INFO: uvicorn's access log and its WebSocket lines never show a
credential, whether it came in a query string (``?key=``, ``?token=``...) or in the
``Sec-WebSocket-Protocol`` header (``["ccgpt.bearer", <token>]``), an API key or a JWT."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from customercare.db.engine import make_engine, make_session_factory, transaction
from customercare.db.migrate import upgrade
from customercare.settings import Settings
from customercare.tenancy import service as tenancy
from customercare.tenancy.permissions import Role
from tests.support.loopback import free_port
from tests.support.tenancy_people import add_member, make_person

CCGPT = Path(sys.executable).with_name("ccgpt")
INHERITED_SWITCHES = ("DATABASE_URL", "REDIS_URL", "CHROMA_URL", "LOG_LEVEL")
PASSWORD = "Query-String-Password-77"  # pragma: allowlist secret


def prepare(data_dir: Path) -> dict[str, str]:
    """A workspace with a secret API key and a member with an access token (JWT)."""
    settings = Settings(data_dir=data_dir)
    upgrade(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    sessions = make_session_factory(engine)
    try:
        with transaction(sessions) as session:
            workspace = tenancy.create_workspace(session, name="Access log")
            issued = tenancy.create_api_key(session, workspace_id=workspace.id, name="server")
            workspace_id = workspace.id
        runtime: Any = SimpleNamespace(sessions=sessions, settings=settings)
        person = make_person(runtime)
        add_member(runtime, workspace_id=workspace_id, user_id=person.user_id, role=Role.owner)
    finally:
        engine.dispose()
    return {"workspace": workspace_id, "api_key": issued.secret, "jwt": person.token}


def serve(data_dir: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("CCGPT_") and name not in INHERITED_SWITCHES
    }
    environment.update(CCGPT_DATA_DIR=str(data_dir), CCGPT_LOG_LEVEL="INFO")
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(CCGPT), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"ccgpt serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise AssertionError("ccgpt serve did not become healthy within 60 s")


def authenticated(socket: ClientConnection) -> None:
    """An authenticated socket answers a bad frame with ``invalid_request`` (not 4401)."""
    socket.send("not json")
    event = json.loads(socket.recv(timeout=30))
    assert event["error"]["code"] == "invalid_request", event


@pytest.mark.slow
def test_the_access_log_shows_no_credential(tmp_path: Path) -> None:
    secrets = prepare(tmp_path / "data")
    api_key, jwt, workspace = secrets["api_key"], secrets["jwt"], secrets["workspace"]
    log = tmp_path / "serve.log"
    process, url = serve(tmp_path / "data", log)
    ws_url = url.replace("http://", "ws://") + "/api/v1/chat/ws"
    try:
        bearer = {"Authorization": f"Bearer {api_key}"}
        for params in (
            {"key": api_key},
            {"key": jwt, "workspace": workspace},
            {"access_token": jwt, "api_key": api_key, "limit": "5"},
            {"token": jwt, "password": PASSWORD},
        ):
            response = httpx.get(f"{url}/api/v1/documents", params=params, headers=bearer)
            assert response.status_code == 200, response.text
        assert httpx.get(f"{url}/healthz", params={"key": api_key}).status_code == 200

        with connect(f"{ws_url}?key={api_key}") as socket:
            authenticated(socket)
        with connect(f"{ws_url}?key={jwt}&workspace={workspace}") as socket:
            authenticated(socket)
        bearer_protocol = Subprotocol("ccgpt.bearer")
        with connect(ws_url, subprotocols=[bearer_protocol, Subprotocol(api_key)]) as socket:
            assert socket.subprotocol == "ccgpt.bearer"
            authenticated(socket)
        with connect(
            f"{ws_url}?workspace={workspace}",
            subprotocols=[bearer_protocol, Subprotocol(jwt)],
        ) as socket:
            assert socket.subprotocol == "ccgpt.bearer"
            authenticated(socket)
    finally:
        process.terminate()
        process.wait(timeout=15)

    logged = log.read_text(encoding="utf-8", errors="replace")
    # The lines are there (INFO access log and WebSocket accepts), with the secrets redacted.
    assert '"GET /api/v1/documents?key=[redacted] HTTP/1.1" 200' in logged, logged
    assert "/api/v1/chat/ws?key=[redacted]&workspace=" in logged, logged
    assert logged.count("[accepted]") >= 4, logged
    for name, value in {"API key": api_key, "JWT": jwt, "password": PASSWORD}.items():
        assert value not in logged, f"the {name} appears in the server log:\n{logged}"
    # Nor any part long enough to matter (the secret half of the key, the JWT's signature).
    assert api_key.rsplit("_", 1)[-1] not in logged
    assert jwt.rsplit(".", 1)[-1] not in logged
