"""Blue-green on one host, under load through nginx (docs/deployment.md). The tests run in
order on one environment: v1, v2, a v3 that never gets ready, a v4 failing chat after the
switch, a manual rollback; then a production deploy refused without a backup."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from tests.deploy.conftest import Load, Site, seed

pytestmark = [pytest.mark.deploy, pytest.mark.slow]


def live_version(site: Site) -> str:
    return httpx.get(f"{site.url}/healthz").headers["x-ccgpt-version"]


def settle(load: Load, seconds: float = 1.5) -> float:
    """Let the load run on; return when it started to count as 'after'."""
    mark = time.monotonic()
    time.sleep(seconds)
    return mark


def test_v1_then_v2_with_zero_failed_requests(site: Site) -> None:
    first = site.ccgpt("deploy", "staging", "--version", "v1", "--port", str(site.port))
    assert first.returncode == 0, first.stdout + first.stderr
    assert live_version(site) == "v1"
    seed(site)

    running = Load(site)  # started after seeding, so that it asks questions too
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    try:
        time.sleep(1)
        second = site.ccgpt("deploy", "staging", "--version", "v2")
        after = settle(running)
    finally:
        running.stop.set()
        thread.join(timeout=60)
    print(f"v1 -> v2: {len(running.seen)} requests, {second.stdout}")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "smoke: ok" in second.stdout
    assert "cited answer ok" in second.stdout
    assert not running.errors, running.errors
    assert running.failed() == []
    versions = [version for when, _, version in running.seen if when >= after]
    assert versions
    assert set(versions) == {"v2"}
    assert {version for _, _, version in running.seen} == {"v1", "v2"}


def test_a_release_that_never_gets_ready_gets_no_traffic(site: Site, load: Load) -> None:
    time.sleep(0.5)
    started = time.monotonic()
    result = site.ccgpt(
        "deploy",
        "staging",
        "--version",
        "v3",
        "--release-env",
        "CCGPT_FAULT_NEVER_READY=true",
        extra={"CCGPT_DEPLOY_READY_TIMEOUT_SECONDS": "20"},
    )
    took = time.monotonic() - started
    time.sleep(0.5)
    print(f"v3: exit {result.returncode} after {took:.1f} s: {result.stderr.strip()}")
    assert result.returncode != 0
    assert "v3 never became ready" in result.stderr
    assert load.failed() == []
    assert not load.errors
    assert {version for _, _, version in load.seen} == {"v2"}
    state = json.loads((site.root / "state.json").read_text())
    assert state["slots"][state["live"]]["version"] == "v2"


def test_a_release_failing_chat_after_the_switch_is_rolled_back(site: Site, load: Load) -> None:
    time.sleep(0.5)
    result = site.ccgpt(
        "deploy",
        "staging",
        "--version",
        "v4",
        "--release-env",
        "CCGPT_FAULT_CHAT_5XX=true",
        extra={"CCGPT_DEPLOY_WATCH_SECONDS": "20"},
    )
    after = settle(load, 2)
    print(f"v4: exit {result.returncode}: {result.stderr.strip()}")
    assert result.returncode != 0
    assert "rolled back automatically" in result.stderr
    burst = load.failed()
    assert burst, "the load saw the errors of v4"
    assert {version for _, _, version in burst} == {"v4"}
    assert load.failed(since=after) == []
    assert live_version(site) == "v2"
    history = site.ccgpt("deploy", "history", "staging", extra={"COLUMNS": "300"})
    assert "rolled_back" in history.stdout
    assert "error rate" in history.stdout


def test_manual_rollback_with_zero_failed_requests(site: Site, load: Load) -> None:
    deployed = site.ccgpt("deploy", "staging", "--version", "v5")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert live_version(site) == "v5"
    rolled = site.ccgpt("rollback", "staging")
    after = settle(load)
    print(f"rollback: {rolled.stdout.strip()}")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert load.failed() == []
    assert not load.errors
    assert {version for when, _, version in load.seen if when >= after} == {"v2"}
    status = site.ccgpt("deploy", "status", "staging", extra={"COLUMNS": "300"})
    assert "live" in status.stdout
    assert "(v2)" in status.stdout


def test_production_without_a_reachable_database_is_refused(site: Site) -> None:
    result = site.ccgpt(
        "deploy",
        "production",
        "--version",
        "v9",
        "--port",
        "1",
        extra={
            "DATABASE_URL": "postgresql://ccgpt@127.0.0.1:9/nowhere"
        },  # pragma: allowlist secret
    )
    print(f"production: exit {result.returncode}: {result.stderr.strip()}")
    assert result.returncode == 2
    assert "refused: no verified backup" in result.stderr
    production = site.root.parent / "production"
    assert not (production / "state.json").exists()
    assert not (production / "releases").exists()
