"""Incidents open after 3 consecutive failures and resolve after 2 successes (per check);
maintenance suppresses them and their alerts; reminders while open; a failing notifier is
retried and never stops the monitor. Notifications go to a real Slack receiver on loopback."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from customercare.status.service import (
    Check,
    CheckResult,
    Incident,
    IncidentEvent,
    Notifier,
    Observation,
    Round,
    SlackNotifier,
    StatusConfig,
    add_maintenance,
    add_update,
    run_once,
)
from tests.support.status_receivers import SlackReceiver
from tests.unit.status.conftest import T0, make_config

M = timedelta(minutes=1)


class Script:
    """Probe results chosen by the test: the state of each check in the next round."""

    def __init__(self) -> None:
        self.states: dict[str, str] = {}

    def __call__(self, check: Check, now: datetime) -> Observation:
        state = self.states.get(check.name, "up")
        reason = "HTTP 503, expected 200" if state == "down" else None
        return Observation(check.name, check.component, now, state, reason=reason)


@pytest.fixture
def slack() -> Iterator[SlackReceiver]:
    with SlackReceiver() as receiver:
        yield receiver


def rounds(
    sessions: sessionmaker[Session],
    config: StatusConfig,
    notifiers: list[Notifier],
    script: Script,
    states: list[str],
    *,
    start: int,
    check: str = "api-health",
) -> list[Round]:
    done = []
    for offset, state in enumerate(states):
        script.states[check] = state
        now = T0 + (start + offset) * M
        done.append(run_once(sessions, config, notifiers, now=now, probe_check=script))
    return done


def incidents(sessions: sessionmaker[Session]) -> list[Incident]:
    with sessions() as session:
        found = list(session.scalars(select(Incident).order_by(Incident.opened_at)))
        for incident in found:
            _ = incident.updates
        return found


def test_opens_after_three_failures_and_resolves_after_two_successes(
    sessions: sessionmaker[Session], config: StatusConfig, slack: SlackReceiver
) -> None:
    script, notifiers = Script(), [SlackNotifier(slack.url)]
    early = rounds(sessions, config, notifiers, script, ["down", "down"], start=0)
    assert [r.events for r in early] == [[], []]
    assert incidents(sessions) == []

    third = rounds(sessions, config, notifiers, script, ["down"], start=2)[0]
    assert [e.kind for e in third.events] == ["opened"]
    [incident] = incidents(sessions)
    assert (incident.state, incident.component, incident.check_name) == (
        "open",
        "api",
        "api-health",
    )
    assert incident.opened_at == T0  # the first of the failures
    assert incident.updates[0].message == "3 consecutive failures: HTTP 503, expected 200"
    assert len(slack.texts) == 1
    assert slack.texts[0].startswith(":red_circle: [DOWN] API: api-health is failing")

    # One success, a failure again, then two successes: only the last two resolve it.
    rounds(sessions, config, notifiers, script, ["up", "down", "up"], start=3)
    assert incidents(sessions)[0].state == "open"
    last = rounds(sessions, config, notifiers, script, ["up"], start=6)[0]
    assert [e.kind for e in last.events] == ["resolved"]
    [incident] = incidents(sessions)
    assert incident.state == "resolved"
    assert incident.resolved_at == T0 + 6 * M
    assert [u.status for u in incident.updates] == ["investigating", "resolved"]
    assert slack.texts[-1].startswith(":large_green_circle: [RESOLVED] API")
    assert len(slack.texts) == 2
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(CheckResult)) == 14


def test_thresholds_are_per_check(sessions: sessionmaker[Session]) -> None:
    config = make_config()
    checks = [
        config.checks[0].model_copy(update={"fail_after": 1, "recover_after": 3}),
        config.checks[1],
    ]
    config = config.model_copy(update={"checks": tuple(checks)})
    script = Script()
    opened = rounds(sessions, config, [], script, ["down"], start=0)[0]
    assert [e.kind for e in opened.events] == ["opened"]
    still = rounds(sessions, config, [], script, ["up", "up"], start=1)
    assert [r.events for r in still] == [[], []]
    resolved = rounds(sessions, config, [], script, ["up"], start=3)[0]
    assert [e.kind for e in resolved.events] == ["resolved"]


def test_maintenance_suppresses_incidents_and_notifications(
    sessions: sessionmaker[Session], config: StatusConfig, slack: SlackReceiver
) -> None:
    with sessions.begin() as session:
        add_maintenance(
            session,
            config,
            starts_at=T0,
            ends_at=T0 + 10 * M,
            reason="database upgrade",
            component="api",
        )
    script, notifiers = Script(), [SlackNotifier(slack.url)]
    during = rounds(sessions, config, notifiers, script, ["down"] * 5, start=0)
    assert all(r.events == [] for r in during)
    assert incidents(sessions) == []
    assert slack.requests == []
    with sessions() as session:
        flags = session.scalars(
            select(CheckResult.in_maintenance).where(CheckResult.check_name == "api-health")
        )
        assert all(flags)
    # After the window, failures count from zero: three more are needed.
    after = rounds(sessions, config, notifiers, script, ["down"] * 3, start=10)
    assert [len(r.events) for r in after] == [0, 0, 1]
    assert len(slack.texts) == 1


def test_reminders_while_open(sessions: sessionmaker[Session], slack: SlackReceiver) -> None:
    config = make_config(reminder_minutes=30)
    script, notifiers = Script(), [SlackNotifier(slack.url)]
    rounds(sessions, config, notifiers, script, ["down"] * 3, start=0)
    rounds(sessions, config, notifiers, script, ["down"] * 20, start=3)
    assert len(slack.texts) == 1
    reminded = rounds(sessions, config, notifiers, script, ["down"], start=32)[0]
    assert [e.kind for e in reminded.events] == ["reminder"]
    assert slack.texts[-1].startswith(":warning: [STILL DOWN] API")


class Broken:
    name = "broken"

    def __init__(self) -> None:
        self.calls = 0

    def send(self, event: IncidentEvent) -> Mapping[str, Any]:
        self.calls += 1
        raise ConnectionError("relay unreachable")


def test_a_failing_notifier_is_retried_and_never_stops_the_monitor(
    sessions: sessionmaker[Session], slack: SlackReceiver
) -> None:
    config = make_config(attempts=3)
    broken, sleeps = Broken(), []
    script = Script()
    notifiers: list[Notifier] = [broken, SlackNotifier(slack.url)]
    for minute in range(3):
        script.states["api-health"] = "down"
        result = run_once(
            sessions,
            config,
            notifiers,
            now=T0 + minute * M,
            probe_check=script,
            sleep=sleeps.append,
        )
    assert broken.calls == 3
    assert sleeps == [0, 0]  # backoff_seconds 0 in the test config, doubled each time
    [delivery] = result.deliveries
    assert (delivery.sent, delivery.failed) == (["slack"], ["broken"])
    assert len(slack.texts) == 1
    # The monitor goes on: the next round still records its results.
    run_once(sessions, config, notifiers, now=T0 + 3 * M, probe_check=script)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(CheckResult)) == 8


def test_a_slack_receiver_that_fails_first_gets_the_retry(
    sessions: sessionmaker[Session],
) -> None:
    config = make_config(attempts=3, backoff_seconds=0.01)
    with SlackReceiver(fail_first=2) as slack:
        script = Script()
        result = rounds(
            sessions, config, [SlackNotifier(slack.url)], script, ["down"] * 3, start=0
        )[-1]
        assert len(slack.requests) == 3
        assert len(slack.texts) == 3  # two refused with 500, the third accepted
    assert result.deliveries[0].sent == ["slack"]


def test_updates_and_a_postmortem_link(
    sessions: sessionmaker[Session], config: StatusConfig
) -> None:
    script = Script()
    rounds(sessions, config, [], script, ["down"] * 3, start=0)
    [incident] = incidents(sessions)
    with sessions.begin() as session:
        add_update(
            session,
            incident_id=incident.id,
            status="identified",
            message="A bad deploy.",
            now=T0 + 4 * M,
        )
        add_update(
            session,
            incident_id=incident.id,
            status="resolved",
            message="Rolled back.",
            now=T0 + 5 * M,
            postmortem_url="https://example.test/postmortems/1",
        )
    [incident] = incidents(sessions)
    assert incident.state == "resolved"
    assert incident.postmortem_url == "https://example.test/postmortems/1"
    assert incident.deployment_id is None
    assert [u.status for u in incident.updates] == ["investigating", "identified", "resolved"]
