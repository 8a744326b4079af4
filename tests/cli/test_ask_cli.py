"""``ccgpt ask``, ``ccgpt chat`` and ``ccgpt workspace update``, driven in-process through the
real typer app on the embedded backend in a fresh data directory per test (as in
test_cli.py), whatever backend the rest of the suite runs on."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from customercare.conversations import service as conversations
from customercare.db.engine import make_engine, make_session_factory
from customercare.settings import Settings
from customercare.tenancy import service as tenancy
from tests.support.cli import invoke, output
from tests.support.served import ccgpt_serve

FACT = "Parcels to Iceland are delivered by Fjord Express within 6 business days."
SHIPPING = (
    b"# Shipping guide\n\n## Iceland\n\n" + FACT.encode() + b"\n\n"
    b"## Gift wrapping\n\n"
    b"Gift wrapping with a handwritten card is available at checkout for 4 euros.\n"
)
QUESTION = "How long does delivery to Iceland take?"


@dataclass
class Cli:
    data_dir: Path

    def __call__(self, *args: str, input: str | None = None) -> Any:
        return invoke(*args, input=input)

    def create_workspace(self, name: str) -> str:
        result = self("workspace", "create", name)
        assert result.exit_code == 0, output(result)
        match = re.search(r"workspace_id: (\S+)", output(result))
        assert match, output(result)
        return match.group(1)

    def conversations(self, workspace_id: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
        """Each conversation's channel and its messages as (role, status, content)."""
        engine = make_engine(Settings(data_dir=self.data_dir).resolved_database_url)
        try:
            with make_session_factory(engine)() as session:
                rows, _ = conversations.list_conversations(session, workspace_id=workspace_id)
                return [
                    (
                        row.channel,
                        [
                            (m.role, m.status, m.content)
                            for m in conversations.list_messages(
                                session, workspace_id=workspace_id, conversation_id=row.id
                            )
                        ],
                    )
                    for row in rows
                ]
        finally:
            engine.dispose()

    def threshold(self, workspace_id: str) -> float | None:
        engine = make_engine(Settings(data_dir=self.data_dir).resolved_database_url)
        try:
            with make_session_factory(engine)() as session:
                workspace = tenancy.get_workspace_or_raise(session, workspace_id=workspace_id)
                return workspace.answer_threshold
        finally:
            engine.dispose()


@pytest.fixture
def cli(data_dir: Path) -> Cli:
    return Cli(data_dir)


@pytest.fixture
def shop(cli: Cli, tmp_path: Path) -> str:
    """A workspace holding the shipping guide, answering from any passage."""
    workspace_id = cli.create_workspace("Fjord Shop")
    path = tmp_path / "shipping.md"
    path.write_bytes(SHIPPING)
    ingested = cli("ingest", str(path), "-w", workspace_id)
    assert ingested.exit_code == 0, output(ingested)
    updated = cli("workspace", "update", workspace_id, "--answer-threshold", "0")
    assert updated.exit_code == 0, output(updated)
    return workspace_id


def test_workspace_update_sets_and_resets_the_threshold(cli: Cli) -> None:
    workspace_id = cli.create_workspace("Fjord Shop")
    assert cli.threshold(workspace_id) is None

    result = cli("workspace", "update", workspace_id, "--answer-threshold", "0.25")
    assert result.exit_code == 0, output(result)
    assert "Fjord Shop: answer threshold 0.25" in output(result)
    assert cli.threshold(workspace_id) == 0.25

    renamed = cli("workspace", "update", workspace_id, "--name", "Fjord Store")
    assert renamed.exit_code == 0, output(renamed)
    assert "Fjord Store: answer threshold 0.25" in output(renamed)

    reset = cli("workspace", "update", workspace_id, "--default-threshold")
    assert reset.exit_code == 0, output(reset)
    assert "Fjord Store: answer threshold default" in output(reset)
    assert cli.threshold(workspace_id) is None


def test_workspace_update_refuses_bad_input(cli: Cli) -> None:
    workspace_id = cli.create_workspace("Fjord Shop")
    nothing = cli("workspace", "update", workspace_id)
    assert nothing.exit_code != 0
    assert "nothing to change" in output(nothing)
    too_high = cli("workspace", "update", workspace_id, "--answer-threshold", "1.5")
    assert too_high.exit_code != 0
    assert "--answer-threshold" in output(too_high)
    unknown = cli("workspace", "update", "0" * 32, "--answer-threshold", "0.3")
    assert unknown.exit_code != 0
    assert "not found" in output(unknown)
    assert "0" * 32 in output(unknown)
    assert cli.threshold(workspace_id) is None


def test_ask_json_answers_with_citations(cli: Cli, shop: str) -> None:
    result = cli("ask", QUESTION, "-w", shop, "--json")
    assert result.exit_code == 0, output(result)
    reply = json.loads(result.stdout)
    assert reply["decision"] == "answered"
    assert FACT in reply["answer"]
    assert "[1]" in reply["answer"]
    assert reply["citations"][0]["number"] == 1
    assert reply["citations"][0]["title"] == "Shipping guide"
    assert reply["citations"][0]["section"] == "Iceland"
    stored = cli.conversations(shop)
    assert stored == [
        (
            "cli",
            [("user", "complete", QUESTION), ("assistant", "complete", reply["answer"])],
        )
    ]


def test_ask_streams_the_answer_and_lists_sources(cli: Cli, shop: str) -> None:
    result = cli("ask", QUESTION, "-w", shop)
    assert result.exit_code == 0, output(result)
    text = output(result)
    assert FACT in " ".join(text.split())  # the terminal may wrap the streamed text
    assert "Sources" in text
    assert "[1] Shipping guide > Iceland" in text


def test_ask_says_when_the_answer_is_not_known(cli: Cli, shop: str) -> None:
    assert cli("workspace", "update", shop, "--answer-threshold", "1").exit_code == 0
    result = cli("ask", QUESTION, "-w", shop)
    assert result.exit_code == 0, output(result)
    assert "not in the knowledge base" in output(result)
    assert "Sources" not in output(result)
    as_json = json.loads(cli("ask", QUESTION, "-w", shop, "--json").stdout)
    assert as_json["decision"] == "no_answer"
    assert as_json["citations"] == []


def test_ask_in_an_unknown_workspace_fails_with_a_message(cli: Cli) -> None:
    result = cli("ask", QUESTION, "-w", "f" * 32)
    assert result.exit_code != 0
    text = output(result)
    assert "f" * 32 in text
    assert "not found" in text


def test_ask_without_a_workspace_or_demo_fails_with_a_hint(cli: Cli) -> None:
    result = cli("ask", QUESTION)
    assert result.exit_code != 0
    assert "no --workspace given" in output(result)


def test_chat_keeps_one_conversation_until_quit(cli: Cli, shop: str) -> None:
    lines = [QUESTION, "", "Can I talk to a human agent?", "quit", "Never read"]
    result = cli("chat", "-w", shop, input="\n".join(lines) + "\n")
    assert result.exit_code == 0, output(result)
    text = output(result)
    assert FACT in " ".join(text.split())
    assert "[1] Shipping guide > Iceland" in text
    assert "handed off to the support team" in text
    stored = cli.conversations(shop)
    assert len(stored) == 1
    channel, messages = stored[0]
    assert channel == "cli"
    assert [(role, content) for role, _, content in messages][0::2] == [
        ("user", QUESTION),
        ("user", "Can I talk to a human agent?"),
    ]
    assert all(status == "complete" for _, status, _ in messages)
    assert len(messages) == 4
    conversation_id = re.search(r"conversation (\w+)", text)
    assert conversation_id, text


def test_chat_ends_at_end_of_input(cli: Cli, shop: str) -> None:
    result = cli("chat", "-w", shop, input=QUESTION + "\n")
    assert result.exit_code == 0, output(result)
    assert FACT in " ".join(output(result).split())
    assert len(cli.conversations(shop)) == 1


def test_chat_in_an_unknown_workspace_fails_before_reading(cli: Cli) -> None:
    result = cli("chat", "-w", "e" * 32, input=QUESTION + "\n")
    assert result.exit_code != 0
    assert "not found" in output(result)


def test_ask_and_chat_use_a_running_servers_api_when_configured(
    cli: Cli, shop: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = cli("apikey", "create", "-w", shop, "--name", "terminal", "--scope", "chat")
    key = re.search(r"api_key: (\S+)", output(created))
    assert key is not None, output(created)

    def no_runtime(**_: Any) -> Any:
        raise AssertionError("the command loaded the runtime instead of asking the server")

    monkeypatch.setattr("customercare.cli.ask.open_runtime", no_runtime)
    with ccgpt_serve({"CCGPT_DATA_DIR": str(data_dir), "CCGPT_LOG_LEVEL": "WARNING"}) as url:
        monkeypatch.setenv("CCGPT_API_URL", url)
        monkeypatch.setenv("CCGPT_API_KEY", key.group(1))
        asked = cli("ask", QUESTION)
        assert asked.exit_code == 0, output(asked)
        assert FACT in output(asked)
        assert "[1] Shipping guide" in output(asked)
        chatted = cli("chat", input=f"{QUESTION}\nquit\n")
        assert chatted.exit_code == 0, output(chatted)
        assert FACT in output(chatted)
        monkeypatch.setenv("CCGPT_API_KEY", "wrong")
        refused = cli("ask", QUESTION)
        assert refused.exit_code != 0
        assert "401: invalid API key" in output(refused)
    stored = cli.conversations(shop)
    assert [channel for channel, _ in stored] == ["cli", "cli"]
    unreachable = cli("ask", QUESTION)
    assert unreachable.exit_code != 0
    assert "cannot reach the server" in output(unreachable)
