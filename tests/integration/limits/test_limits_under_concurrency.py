"""Limits hold under concurrent bursts: the check and the count are one step. Before, a burst
created 15 documents on a 5-document plan, stored 28 messages on a 20-message plan and
checked 30 passwords against a 5-failure throttle; now each is exactly at its limit."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from customercare.accounts import passwords
from customercare.accounts import service as accounts
from customercare.answers import engine
from customercare.db.engine import transaction
from customercare.errors import AuthenticationError, QuotaExceeded, RateLimited
from customercare.knowledge import service as knowledge
from customercare.limits.counters import MemoryCounterStore
from customercare.runtime import Runtime
from customercare.tenancy import service as tenancy

PLANS = """
[plans.burst]
documents = 5
messages_per_month = 20
"""
BURST = 30
PASSWORD = "Correct-Horse-42"  # pragma: allowlist secret


def burst(calls: list[Callable[[], Any]]) -> list[str]:
    """Run every call at once (released together by a barrier); each outcome's name."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> str:
        barrier.wait()
        try:
            call()
        except Exception as error:
            return type(error).__name__
        return "ok"

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.fixture
def burst_runtime(runtime: Runtime, tmp_path: Path) -> Runtime:
    plans_file = tmp_path / "plans.toml"
    plans_file.write_text(PLANS, encoding="utf-8")
    settings = runtime.settings.model_copy(
        update={"quotas_enabled": True, "plans_file": plans_file}
    )
    return dataclasses.replace(runtime, settings=settings)


def burst_workspace(runtime: Runtime) -> str:
    with transaction(runtime.sessions) as session:
        workspace = tenancy.create_workspace(session, name="Burst", plan="burst")
        return workspace.id


def test_a_burst_of_uploads_stops_at_the_documents_quota(burst_runtime: Runtime) -> None:
    workspace_id = burst_workspace(burst_runtime)

    def upload(number: int) -> Callable[[], Any]:
        text = f"# Guide {number}\n\nHow to do thing number {number} with the phone.\n"
        return lambda: knowledge.ingest_bytes(
            burst_runtime,
            workspace_id=workspace_id,
            data=text.encode(),
            filename=f"guide-{number}.md",
        )

    outcomes = burst([upload(n) for n in range(15)])
    assert outcomes.count("ok") == 5, outcomes
    assert outcomes.count(QuotaExceeded.__name__) == 10, outcomes
    with burst_runtime.sessions() as session:
        assert knowledge.document_usage(session, workspace_id=workspace_id).count == 5


def test_a_burst_of_questions_stops_at_the_messages_quota(burst_runtime: Runtime) -> None:
    workspace_id = burst_workspace(burst_runtime)

    def ask(number: int) -> Callable[[], Any]:
        return lambda: engine.start_turn(
            burst_runtime, workspace_id=workspace_id, message=f"question {number}"
        )

    outcomes = burst([ask(n) for n in range(28)])
    assert outcomes.count("ok") == 20, outcomes
    assert outcomes.count(QuotaExceeded.__name__) == 8, outcomes


def test_a_burst_of_wrong_passwords_is_checked_only_up_to_the_throttle(runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(
        update={
            "signin_max_failures_per_account": 5,
            "signin_max_failures_per_ip": 1_000,
            "argon2_time_cost": 1,
            "argon2_memory_cost": 8 * 1024,
            "argon2_parallelism": 1,
        }
    )
    context = dataclasses.replace(runtime, settings=settings, _counters=MemoryCounterStore())
    email = f"burst-{uuid.uuid4().hex[:8]}@example.com"
    with transaction(runtime.sessions) as session:
        accounts.create_user(session, settings=settings, email=email, password=PASSWORD)

    def guess(number: int) -> Callable[[], Any]:
        return lambda: accounts.sign_in(
            context, email=email, password=f"Wrong-Guess-{number:03d}", ip="192.0.2.7"
        )

    outcomes = burst([guess(n) for n in range(BURST)])
    # Exactly five passwords were checked (401); every other attempt was refused unchecked.
    assert outcomes.count(AuthenticationError.__name__) == 5, outcomes
    assert outcomes.count(RateLimited.__name__) == BURST - 5, outcomes
    # The right password is refused too while the account is throttled.
    with pytest.raises(RateLimited):
        accounts.sign_in(context, email=email, password=PASSWORD, ip="192.0.2.8")


def test_a_right_password_gives_its_reservation_back(runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(
        update={
            "signin_max_failures_per_account": 2,
            "signin_max_failures_per_ip": 2,
            "argon2_time_cost": 1,
            "argon2_memory_cost": 8 * 1024,
            "argon2_parallelism": 1,
        }
    )
    context = dataclasses.replace(runtime, settings=settings, _counters=MemoryCounterStore())
    email = f"right-{uuid.uuid4().hex[:8]}@example.com"
    with transaction(runtime.sessions) as session:
        accounts.create_user(session, settings=settings, email=email, password=PASSWORD)
    for _ in range(5):  # more sign-ins than either budget: none of them is a failure
        accounts.sign_in(context, email=email, password=PASSWORD, ip="192.0.2.9")


def test_password_hashing_runs_at_most_the_configured_number_at_once(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = runtime.settings.model_copy(update={"password_hash_concurrency": 2})
    lock = threading.Lock()
    running, most = 0, 0

    class CountingHasher:
        def hash(self, password: str) -> str:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(0.02)  # long enough for the others to pile up behind the limit
            with lock:
                running -= 1
            return "hashed"

    monkeypatch.setattr(passwords, "hasher", lambda _settings: CountingHasher())
    outcomes = burst([lambda: passwords.hash_password(settings, "x") for _ in range(BURST)])
    assert outcomes == ["ok"] * BURST
    assert most == 2
