"""The real ``ccgpt serve`` at INFO: uvicorn's access log and its WebSocket lines never show a
credential, whether it came in a query string (``?key=``, ``?token=``...) or in the
``Sec-WebSocket-Protocol`` header (``["ccgpt.bearer", <token>]``), an API key or a JWT."""

from __future__ import annotations

import json
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
from tests.support.served import ccgpt_serve
from tests.support.tenancy_people import add_member, make_person

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
    environment = {"CCGPT_DATA_DIR": str(tmp_path / "data"), "CCGPT_LOG_LEVEL": "INFO"}
    with ccgpt_serve(environment, log=log) as url:
        ws_url = url.replace("http://", "ws://") + "/api/v1/chat/ws"
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
