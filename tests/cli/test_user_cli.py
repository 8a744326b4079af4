"""``ccgpt user create``, driven in-process through the real typer app on the embedded backend
in a fresh data directory per test (as in test_cli.py), whatever backend the rest of the
suite runs on."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from typer.testing import CliRunner

from customercare.accounts import passwords
from customercare.accounts import service as accounts
from customercare.cli.main import app
from customercare.db.engine import make_engine, make_session_factory
from customercare.settings import Settings, get_settings
from customercare.tenancy import service as tenancy

PASSWORD = "Correct-horse-42"  # pragma: allowlist secret
UNSET = (
    "DATABASE_URL",
    "REDIS_URL",
    "CHROMA_URL",
    "CCGPT_DATABASE_URL",
    "CCGPT_REDIS_URL",
    "CCGPT_CHROMA_URL",
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    directory = tmp_path / "data"
    directory.mkdir()
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CCGPT_DATA_DIR", str(directory))
    # Cheap hashing for the test; the defaults are production-strength.
    monkeypatch.setenv("CCGPT_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("CCGPT_ARGON2_MEMORY_COST", "8")
    monkeypatch.setenv("CCGPT_ARGON2_PARALLELISM", "1")
    monkeypatch.chdir(directory)
    get_settings.cache_clear()
    yield directory
    get_settings.cache_clear()
    structlog.reset_defaults()
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def run(*args: str, stdin: str | None = None) -> Any:
    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def text(result: Any) -> str:
    return ANSI.sub("", result.output)


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
    result = run(
        "user", "create", "Ada@Example.com", "--name", "Ada", "--password-stdin", stdin=PASSWORD
    )
    assert result.exit_code == 0, text(result)
    assert "email: ada@example.com" in text(result)
    assert PASSWORD not in text(result)
    user = stored_user(data_dir, "ada@example.com")
    assert re.search(rf"user_id: {user.id}", text(result))
    assert user.name == "Ada"
    assert user.email_verified_at is not None
    assert PASSWORD not in user.password_hash
    assert passwords.verify_password(
        Settings(data_dir=data_dir), password_hash=user.password_hash, password=PASSWORD
    )


def test_user_create_prompts_for_a_hidden_password(data_dir: Path) -> None:
    result = run("user", "create", "grace@example.com", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, text(result)
    assert PASSWORD not in text(result)  # typed, never echoed
    assert stored_user(data_dir, "grace@example.com").email_verified_at is not None


def test_user_create_refuses_weak_passwords_and_duplicates(data_dir: Path) -> None:
    weak = run("user", "create", "linus@example.com", "--password-stdin", stdin="short\n")
    assert weak.exit_code == 1
    assert "at least 10 characters" in text(weak)

    first = run("user", "create", "linus@example.com", "--password-stdin", stdin=PASSWORD)
    assert first.exit_code == 0, text(first)
    again = run("user", "create", "LINUS@example.com", "--password-stdin", stdin=PASSWORD)
    assert again.exit_code == 1
    assert "conflict" in text(again)


def test_workspace_create_with_an_owner_and_widget_domains(data_dir: Path) -> None:
    run("user", "create", "owner@example.com", "--password-stdin", stdin=PASSWORD + "\n")
    created = run("workspace", "create", "Fjord Store", "--owner", "owner@example.com")
    assert created.exit_code == 0, text(created)
    workspace_id = re.search(r"workspace_id: (\w+)", text(created))
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
    domains = run(
        "workspace",
        "update",
        workspace_id.group(1),
        "--allowed-domain",
        "https://shop.example",
        "--allowed-domain",
        "https://www.shop.example",
    )
    assert domains.exit_code == 0, text(domains)
    bad = run("workspace", "update", workspace_id.group(1), "--allowed-domain", "shop.example")
    assert bad.exit_code != 0
    unknown = run("workspace", "create", "Nobody's", "--owner", "nobody@example.com")
    assert unknown.exit_code != 0
    assert "ccgpt user create" in text(unknown)
