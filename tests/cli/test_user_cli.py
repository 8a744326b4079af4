"""``ccgpt user create``, driven in-process through the real typer app on the embedded backend
in a fresh data directory per test (as in test_cli.py), whatever backend the rest of the
suite runs on."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from customercare.accounts import passwords
from customercare.accounts import service as accounts
from customercare.db.engine import make_engine, make_session_factory
from customercare.settings import Settings
from customercare.tenancy import service as tenancy
from tests.support.cli import invoke, output

PASSWORD = "Correct-horse-42"  # pragma: allowlist secret


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap hashing for the test; the defaults are production-strength."""
    monkeypatch.setenv("CCGPT_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("CCGPT_ARGON2_MEMORY_COST", "8")
    monkeypatch.setenv("CCGPT_ARGON2_PARALLELISM", "1")


def stored_user(data_dir: Path, email: str) -> Any:
    settings = Settings(data_dir=data_dir)
    engine = make_engine(settings.resolved_database_url)
    try:
        with make_session_factory(engine)() as session:
            user = accounts.get_by_email(session, email=email)
            assert user is not None
            session.expunge(user)
            return user
    finally:
        engine.dispose()


def test_user_create_reads_the_password_from_stdin(data_dir: Path) -> None:
    result = invoke(
        "user", "create", "Ada@Example.com", "--name", "Ada", "--password-stdin", input=PASSWORD
    )
    assert result.exit_code == 0, output(result)
    assert "email: ada@example.com" in output(result)
    assert PASSWORD not in output(result)
    user = stored_user(data_dir, "ada@example.com")
    assert re.search(rf"user_id: {user.id}", output(result))
    assert user.name == "Ada"
    assert user.email_verified_at is not None
    assert PASSWORD not in user.password_hash
    assert passwords.verify_password(
        Settings(data_dir=data_dir), password_hash=user.password_hash, password=PASSWORD
    )


def test_user_create_prompts_for_a_hidden_password(data_dir: Path) -> None:
    result = invoke("user", "create", "grace@example.com", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, output(result)
    assert PASSWORD not in output(result)  # typed, never echoed
    assert stored_user(data_dir, "grace@example.com").email_verified_at is not None


def test_user_create_refuses_weak_passwords_and_duplicates(data_dir: Path) -> None:
    weak = invoke("user", "create", "linus@example.com", "--password-stdin", input="short\n")
    assert weak.exit_code == 1
    assert "at least 10 characters" in output(weak)

    first = invoke("user", "create", "linus@example.com", "--password-stdin", input=PASSWORD)
    assert first.exit_code == 0, output(first)
    again = invoke("user", "create", "LINUS@example.com", "--password-stdin", input=PASSWORD)
    assert again.exit_code == 1
    assert "conflict" in output(again)


def test_workspace_create_with_an_owner_and_widget_domains(data_dir: Path) -> None:
    invoke("user", "create", "owner@example.com", "--password-stdin", input=PASSWORD + "\n")
    created = invoke("workspace", "create", "Fjord Store", "--owner", "owner@example.com")
    assert created.exit_code == 0, output(created)
    workspace_id = re.search(r"workspace_id: (\w+)", output(created))
    assert workspace_id
    user = stored_user(data_dir, "owner@example.com")
    settings = Settings(data_dir=data_dir)
    engine = make_engine(settings.resolved_database_url)
    try:
        with make_session_factory(engine)() as session:
            memberships = tenancy.list_memberships_for_user(session, user_id=user.id)
    finally:
        engine.dispose()
    assert memberships == [(workspace_id.group(1), "Fjord Store", "owner")]
    domains = invoke(
        "workspace",
        "update",
        workspace_id.group(1),
        "--allowed-domain",
        "https://shop.example",
        "--allowed-domain",
        "https://www.shop.example",
    )
    assert domains.exit_code == 0, output(domains)
    bad = invoke("workspace", "update", workspace_id.group(1), "--allowed-domain", "shop.example")
    assert bad.exit_code != 0
    unknown = invoke("workspace", "create", "Nobody's", "--owner", "nobody@example.com")
    assert unknown.exit_code != 0
    assert "ccgpt user create" in output(unknown)
