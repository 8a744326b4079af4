"""``ccgpt apikey``: create (secret shown once), list (never the secret), revoke."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from customercare.db.engine import make_engine, make_session_factory
from customercare.errors import AuthenticationError
from customercare.settings import Settings
from customercare.tenancy import service as tenancy
from tests.support.cli import invoke, output


@pytest.fixture
def ccgpt(data_dir: Path) -> Callable[..., tuple[int, str]]:
    def run(*args: str) -> tuple[int, str]:
        result = invoke(*args)
        return result.exit_code, output(result)

    return run


def authenticate(data_dir: Path, secret: str) -> Any:
    engine = make_engine(Settings(data_dir=data_dir).resolved_database_url)
    try:
        with make_session_factory(engine)() as session:
            key, _ = tenancy.authenticate_api_key(session, secret=secret)
            return key.scopes, key.kind
    finally:
        engine.dispose()


def test_create_list_revoke(ccgpt: Any, data_dir: Path) -> None:
    code, text = ccgpt("workspace", "create", "Quokka")
    assert code == 0, text
    match = re.search(r"workspace_id: (\S+)", text)
    assert match is not None
    workspace = match.group(1)

    code, text = ccgpt(
        "apikey",
        "create",
        "-w",
        workspace,
        "--name",
        "backend",
        "--scope",
        "search",
        "--scope",
        "documents:read",
    )
    assert code == 0, text
    secret = re.search(r"api_key: (\S+)", text)
    key_id = re.search(r"key_id: (\S+)", text)
    assert secret is not None
    assert key_id is not None
    assert authenticate(data_dir, secret.group(1)) == (["documents:read", "search"], "secret")

    code, text = ccgpt("apikey", "create", "-w", workspace, "--name", "widget", "--publishable")
    assert code == 0, text
    widget = re.search(r"api_key: (\S+)", text)
    assert widget is not None
    assert widget.group(1).startswith("ccgpt_pk_")

    code, listing = ccgpt("apikey", "list", "-w", workspace)
    assert code == 0, listing
    assert "backend" in listing
    assert "widget" in listing
    assert "publishable" in listing
    assert secret.group(1) not in listing

    code, text = ccgpt("apikey", "revoke", "-w", workspace, key_id.group(1))
    assert code == 0, text
    with pytest.raises(AuthenticationError):
        authenticate(data_dir, secret.group(1))


def test_errors_are_messages(ccgpt: Any) -> None:
    code, text = ccgpt("workspace", "create", "Quokka")
    workspace = re.search(r"workspace_id: (\S+)", text)
    assert workspace is not None
    code, text = ccgpt(
        "apikey", "create", "-w", workspace.group(1), "--name", "x", "--scope", "root"
    )
    assert code == 1
    assert "unknown scope root" in text
    code, text = ccgpt("apikey", "revoke", "-w", workspace.group(1), "nope")
    assert code == 1
    assert "not found" in text
    code, text = ccgpt("apikey", "list", "-w", "no-such-workspace")
    assert code == 1


def test_the_list_fits_80_columns_with_whole_ids(
    ccgpt: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, text = ccgpt("workspace", "create", "Quokka")
    match = re.search(r"workspace_id: (\S+)", text)
    assert match is not None
    workspace = match.group(1)
    every = [
        arg
        for scope in ("chat", "search", "documents:write", "conversations:write")
        for arg in ("--scope", scope)
    ]
    code, text = ccgpt(
        "apikey", "create", "-w", workspace, "--name", "a-rather-long-key-name", *every
    )
    assert code == 0, text
    monkeypatch.setenv("COLUMNS", "80")
    code, listing = ccgpt("apikey", "list", "-w", workspace)
    assert code == 0, listing
    assert max(len(line) for line in listing.splitlines()) <= 80
    assert "…" not in listing
    key_ids = re.findall(r"key_id: (\S+)", text)
    assert key_ids
    lines = listing.splitlines()
    assert any(key_ids[0] in line for line in lines)
    for word in ("prefix", "name", "kind", "scopes", "revoked", "conversations:write"):
        assert word in listing
