"""``ccgpt demo``: load the shipped help center of a fictional company and serve it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from customercare.cli.context import console, open_runtime
from customercare.demo import CONTENT_DIR, DEMO_WORKSPACE_NAME
from customercare.errors import IngestionError

if TYPE_CHECKING:
    from customercare.runtime import Runtime


def load_demo(runtime: Runtime) -> tuple[str, str]:
    """Create (or reuse) the demo workspace, ingest every demo document, issue a fresh key."""
    from customercare.db.engine import transaction
    from customercare.knowledge import service
    from customercare.tenancy import service as tenancy

    with transaction(runtime.sessions) as session:
        workspace = tenancy.get_workspace_by_name(session, name=DEMO_WORKSPACE_NAME)
        if workspace is None:
            workspace = tenancy.create_workspace(session, name=DEMO_WORKSPACE_NAME)
        issued = tenancy.create_api_key(session, workspace_id=workspace.id, name="demo")
        workspace_id = workspace.id
    files = sorted(p for p in CONTENT_DIR.iterdir() if p.is_file())
    with console.status("loading the demo help center"):
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
                console.print(f"[yellow]skipped {path.name}: {error.message}")
    return workspace_id, issued.secret


def demo(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to listen on."),
    load_only: bool = typer.Option(False, help="Load the demo content, then exit."),
) -> None:
    """Load the demo knowledge base into the workspace "Lumen Mobile (demo)" and serve it."""
    from customercare.cli.serve import serve

    with open_runtime(jobs="inline") as runtime:
        workspace_id, key = load_demo(runtime)
    console.print(f"demo workspace: {workspace_id}")
    console.print(f"API key: {key}")
    console.print(
        f'ask:    curl -H "Authorization: Bearer {key}" -H "Content-Type: application/json" '
        f'-d \'{{"message": "how do I get a refund?"}}\' http://{host}:{port}/api/v1/chat'
    )
    console.print(
        f'search: curl -H "Authorization: Bearer {key}" '
        f'"http://{host}:{port}/api/v1/search?q=how+do+I+get+a+refund"'
    )
    console.print('or, from another terminal: .venv/bin/ccgpt ask "how do I get a refund?"')
    if not load_only:
        serve(host=host, port=port, workers=1)
