"""``ccgpt demo``: load the shipped help center of a fictional company and serve it.

The demo lives in the user's data directory like everything else: its workspace is reused
across runs, its documents are ingested once (identical content is deduplicated, so a warm
restart only checks them), and its API key is kept in ``<data dir>/demo-api-key`` (readable by
the user only) and reused while it is valid; when it is not, the old demo keys are revoked
before a new one is issued. Each step prints one plain line with its time, on a terminal or
not."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from customercare.cli.context import console, open_runtime, settings
from customercare.demo import CONTENT_DIR, DEMO_WORKSPACE_NAME
from customercare.errors import AuthenticationError, IngestionError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from customercare.runtime import Runtime

KEY_FILE = "demo-api-key"
KEY_NAME = "demo"


@dataclass(frozen=True)
class LoadedDemo:
    workspace_id: str
    key: str
    key_file: Path
    documents: int


def step(message: str, started: float) -> None:
    console.print(f"demo: {message} ({time.monotonic() - started:.1f} s)", highlight=False)


def load_demo(runtime: Runtime) -> LoadedDemo:
    """Create (or reuse) the demo workspace and its key, and ingest the demo documents in one
    batch (documents already there are recognised by their content and skipped)."""
    from customercare.db.engine import transaction
    from customercare.jobs import InProcessJobQueue
    from customercare.knowledge import service
    from customercare.knowledge.ingestion import ingest_documents

    started = time.monotonic()
    key_file = runtime.settings.data_dir / KEY_FILE
    with transaction(runtime.sessions) as session:
        workspace_id, key = _workspace_and_key(session, key_file)
    step(f"workspace {workspace_id}", started)
    collected = InProcessJobQueue(mode="collect")
    runtime.jobs = collected
    files = sorted(p for p in CONTENT_DIR.iterdir() if p.is_file())
    started = time.monotonic()
    for path in files:
        try:
            service.ingest_bytes(
                runtime,
                workspace_id=workspace_id,
                data=path.read_bytes(),
                filename=path.name,
                tags=["demo"],
            )
        except IngestionError as error:  # pragma: no cover - shipped content is valid
            console.print(f"demo: skipped {path.name}: {error.message}")
    requests = collected.drain()
    if requests:
        ingest_documents(runtime, requests)
    step(f"{len(files)} help-center documents ready ({len(requests)} indexed now)", started)
    return LoadedDemo(workspace_id, key, key_file, len(files))


def _workspace_and_key(session: Session, key_file: Path) -> tuple[str, str]:
    from customercare.tenancy import service as tenancy

    workspace = tenancy.get_workspace_by_name(session, name=DEMO_WORKSPACE_NAME)
    if workspace is None:
        workspace = tenancy.create_workspace(session, name=DEMO_WORKSPACE_NAME)
    saved = key_file.read_text().strip() if key_file.is_file() else ""
    if saved:
        try:
            key, owner = tenancy.authenticate_api_key(session, secret=saved)
            if owner.id == workspace.id and key.name == KEY_NAME:
                return workspace.id, saved
        except AuthenticationError:
            pass
    # No valid saved key: earlier demo keys must not stay valid behind the user's back.
    for old in tenancy.list_api_keys(session, workspace_id=workspace.id):
        if old.name == KEY_NAME and old.revoked_at is None:
            tenancy.revoke_api_key(session, workspace_id=workspace.id, key_id=old.id, via="cli")
    issued = tenancy.create_api_key(session, workspace_id=workspace.id, name=KEY_NAME)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(issued.secret + "\n")
    return workspace.id, issued.secret


def demo(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to listen on."),
    load_only: bool = typer.Option(False, help="Load the demo content, then exit."),
) -> None:
    """Load the demo knowledge base into the workspace "Lumen Mobile (demo)" and serve it."""
    from customercare.cli.serve import serve

    started = time.monotonic()
    console.print(f"demo: data directory {settings().data_dir}", highlight=False, soft_wrap=True)
    with open_runtime(jobs="inline") as runtime:
        step("database and vector store open", started)
        loaded = load_demo(runtime)
    url = f"http://{host}:{port}"
    lines = [
        f"demo workspace: {loaded.workspace_id}",
        f"API key: {loaded.key}",
        f"(saved in {loaded.key_file}; reused on the next run)",
        "",
        "Set the key in the terminal you ask from:",
        f"export KEY={loaded.key}",
        "",
        f'curl -s -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" '
        f'-d \'{{"message": "how do I get a refund?"}}\' {url}/api/v1/chat',
        f'curl -s -H "Authorization: Bearer $KEY" "{url}/api/v1/search?q=how+do+I+get+a+refund"',
        f'CCGPT_API_URL={url} CCGPT_API_KEY=$KEY .venv/bin/ccgpt ask "how do I get a refund?"',
        f"API docs: {url}/docs and {url}/redoc",
    ]
    for line in lines:
        # One line each, never wrapped: they are pasted into a shell.
        console.print(line, soft_wrap=True, markup=False, highlight=False)
    if not load_only:
        step(f"serving {url}", started)
        serve(host=host, port=port, workers=1)
