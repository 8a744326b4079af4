"""The GitHub issue lifecycle against a loopback REST receiver, and email through the
loopback SMTP server."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from customercare.settings import Settings
from customercare.status.service import (
    Check,
    EmailNotifier,
    GitHubIssueNotifier,
    Incident,
    Observation,
    StatusConfig,
    build_notifiers,
    run_once,
)
from tests.support.mail_server import running_mail_server
from tests.support.status_receivers import GitHubReceiver
from tests.unit.status.conftest import T0, make_config

TOKEN = "ghp_test_token_for_loopback"  # pragma: allowlist secret
M = timedelta(minutes=1)


def script(states: dict[str, str]):  # type: ignore[no-untyped-def]
    def seen(check: Check, now: datetime) -> Observation:
        state = states.get(check.name, "up")
        return Observation(check.name, check.component, now, state, reason="HTTP 502, expected 200")

    return seen


def test_github_issue_created_on_open_commented_and_closed_on_resolve(
    sessions: sessionmaker[Session], config: StatusConfig
) -> None:
    with GitHubReceiver(token=TOKEN, fail_first=1) as github:
        notifier = GitHubIssueNotifier(repository="lumen/ops", token=TOKEN, api_url=github.url)
        states = {"api-health": "down"}
        for minute in range(3):
            run_once(sessions, config, [notifier], now=T0 + minute * M, probe_check=script(states))
        assert list(github.issues) == [1]  # the first POST got a 500 and was retried
        issue = github.issues[1]
        assert issue["title"] == "[DOWN] API: api-health is failing"
        assert issue["labels"] == ["incident"]
        assert "HTTP 502" in issue["body"]
        with sessions() as session:
            [incident] = session.query(Incident).all()
            assert incident.notifier_refs == {"github_issue": 1}
        states["api-health"] = "up"
        for minute in range(3, 5):
            run_once(sessions, config, [notifier], now=T0 + minute * M, probe_check=script(states))
        notifier.close()
        assert issue["state"] == "closed"
        assert issue["state_reason"] == "completed"
        assert len(issue["comments"]) == 1
        assert issue["comments"][0].startswith("[RESOLVED] API: api-health is failing")
        paths = [(method, path) for method, path, _, _ in github.requests]
        assert paths == [
            ("POST", "/repos/lumen/ops/issues"),
            ("POST", "/repos/lumen/ops/issues"),
            ("POST", "/repos/lumen/ops/issues/1/comments"),
            ("PATCH", "/repos/lumen/ops/issues/1"),
        ]
        headers = github.requests[-1][2]
        assert headers["Accept"] == "application/vnd.github+json"
        assert headers["X-GitHub-Api-Version"] == "2022-11-28"


def test_email_on_open_and_resolve(sessions: sessionmaker[Session]) -> None:
    config = make_config(email_to=["oncall@example.com", "lead@example.com"])
    with running_mail_server() as mail:
        settings = Settings(**mail.settings())
        [notifier] = build_notifiers(settings, config)
        assert isinstance(notifier, EmailNotifier)
        states = {"chat-page": "down"}
        for minute in range(3):
            run_once(sessions, config, [notifier], now=T0 + minute * M, probe_check=script(states))
        opened = mail.wait_for("oncall@example.com")
        assert opened.subject == "[DOWN] Chat: chat-page is failing"
        assert "Status page: https://status.example.test" in opened.text
        assert mail.wait_for("lead@example.com").subject == opened.subject
        states["chat-page"] = "up"
        for minute in range(3, 5):
            run_once(sessions, config, [notifier], now=T0 + minute * M, probe_check=script(states))
        resolved = mail.wait_for("oncall@example.com", count=2)
        assert resolved.subject == "[RESOLVED] Chat: chat-page is failing"
        assert "Duration: 4 min" in resolved.text
