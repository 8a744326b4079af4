"""``ccgpt ask`` (one question) and ``ccgpt chat`` (a conversation in the terminal)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

from customercare.cli.context import app_errors, console, fail, open_runtime
from customercare.cli.remote import RemoteBot, remote_bot
from customercare.demo import DEMO_WORKSPACE_NAME

if TYPE_CHECKING:
    from customercare.runtime import Runtime


WORKSPACE_OPTION = typer.Option(
    None, "--workspace", "-w", help="Workspace id (default: the demo workspace)."
)
QUIT_WORDS = {"quit", "exit", ":q", "bye"}


def resolve_workspace(runtime: Runtime, workspace: str | None) -> str:
    from customercare.tenancy import service as tenancy

    with runtime.sessions() as session:
        if workspace:
            return tenancy.get_workspace_or_raise(session, workspace_id=workspace).id
        demo = tenancy.get_workspace_by_name(session, name=DEMO_WORKSPACE_NAME)
    if demo is None:
        raise fail("no --workspace given and no demo workspace; run `ccgpt demo --load-only`")
    return demo.id


def ask(
    question: str = typer.Argument(..., help="The customer's question."),
    workspace: str | None = WORKSPACE_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print the whole reply as JSON."),
) -> None:
    """Answer one question from the workspace's knowledge, with numbered sources.

    With CCGPT_API_URL and CCGPT_API_KEY set, a running server answers (no model loaded here)."""
    remote = _remote(workspace)
    if remote is not None:
        reply = remote.turn(question, None)
        if not as_json:
            console.print(reply["answer"], soft_wrap=True, markup=False, highlight=False)
    else:
        with open_runtime() as runtime, app_errors():
            workspace_id = resolve_workspace(runtime, workspace)
            reply = _turn(runtime, workspace_id, question, None, stream=not as_json)
    if as_json:
        console.print_json(json.dumps(reply))
    else:
        _print_sources(reply)


def chat(workspace: str | None = WORKSPACE_OPTION) -> None:
    """Talk to the bot in the terminal; the conversation is stored like any other.

    With CCGPT_API_URL and CCGPT_API_KEY set, a running server answers (no model loaded here)."""
    remote = _remote(workspace)
    if remote is not None:
        _chat_loop(
            lambda question, conversation_id: _remote_turn(remote, question, conversation_id)
        )
        return
    with open_runtime() as runtime, app_errors():
        workspace_id = resolve_workspace(runtime, workspace)
        _chat_loop(
            lambda question, conversation_id: _turn(
                runtime, workspace_id, question, conversation_id, stream=True
            )
        )


Turn = Callable[[str, "str | None"], dict[str, Any]]


def _chat_loop(turn: Turn) -> None:
    console.print("[dim]Ask a question; 'quit' or Ctrl-D to leave.[/dim]")
    conversation_id: str | None = None
    while True:
        try:
            question = console.input("[bold]you>[/bold] ").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            break
        if question.lower() in QUIT_WORDS:
            break
        if not question:
            continue
        console.print("[bold]bot>[/bold] ", end="")
        reply = turn(question, conversation_id)
        conversation_id = reply["conversation_id"]
        _print_sources(reply)
    if conversation_id:
        console.print(f"[dim]conversation {conversation_id}[/dim]")


def _remote(workspace: str | None) -> RemoteBot | None:
    remote = remote_bot()
    if remote is not None and workspace:
        raise fail("with CCGPT_API_URL the API key names the workspace: leave out --workspace")
    return remote


def _remote_turn(remote: RemoteBot, question: str, conversation_id: str | None) -> dict[str, Any]:
    reply = remote.turn(question, conversation_id)
    console.print(reply["answer"], soft_wrap=True, markup=False, highlight=False)
    return reply


def _turn(
    runtime: Runtime,
    workspace_id: str,
    question: str,
    conversation_id: str | None,
    *,
    stream: bool,
) -> dict[str, Any]:
    from customercare.answers import engine

    turn = engine.start_turn(
        runtime,
        workspace_id=workspace_id,
        message=question,
        conversation_id=conversation_id,
        channel="cli",
    )
    collected: dict[str, Any] = {}
    for event in engine.reply(runtime, turn):
        if stream and event.type == "token":
            console.print(event.data["text"], end="", soft_wrap=True, markup=False, highlight=False)
        elif stream and event.type == "replace":
            console.print("\n[dim](corrected)[/dim] " + event.data["text"], end="", soft_wrap=True)
        collected[event.type] = event.data
    if stream:
        console.print()
    done = collected["done"]
    return {
        "conversation_id": done["conversation_id"],
        "message_id": done["message_id"],
        "answer": done["answer"],
        "decision": collected["decision"]["decision"],
        "confidence": collected["decision"]["confidence"],
        "citations": collected["citations"]["citations"],
        "timings_ms": done["timings_ms"],
    }


def _print_sources(reply: dict[str, Any]) -> None:
    if reply["citations"]:
        console.print("[bold]Sources[/bold]")
    for citation in reply["citations"]:
        where = citation["title"]
        if citation["section"] and citation["section"] != citation["title"]:
            where += f" > {citation['section']}"
        if citation["page"]:
            where += f" (page {citation['page']})"
        if citation["url"]:
            where += f" {citation['url']}"
        console.print(f"  [{citation['number']}] {where}", markup=False, highlight=False)
    if reply["decision"] == "no_answer":
        console.print("[dim](not in the knowledge base: a human handoff was offered)[/dim]")
    elif reply["decision"] == "handoff":
        console.print("[dim](handed off to the support team)[/dim]")
