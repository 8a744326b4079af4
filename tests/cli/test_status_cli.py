"""``ccgpt status``: a round against a loopback site, the static page, maintenance and
incident commands, and clear usage errors (exit 2) for bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from customercare.status.service import load_config
from tests.support.cli import invoke, output
from tests.support.loopback import http_server, serving, url_of

ROOT = Path(__file__).resolve().parents[2]


class Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        data = b'{"status": "ok"}' if self.path == "/healthz" else b"{}"
        self.send_response(200 if self.path == "/healthz" else 500)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def checks(data_dir: Path) -> Iterator[Path]:
    with serving(http_server(Site), name="status-cli-site") as server:
        path = data_dir / "checks.toml"
        path.write_text(
            f"""
[page]
title = "Lumen status"

[[components]]
id = "api"
name = "API"

[[components]]
id = "dashboard"
name = "Dashboard"

[[checks]]
name = "api-healthz"
component = "api"
url = "{url_of(server)}/healthz"
json_field = "status"
json_equals = "ok"

[[checks]]
name = "dashboard-home"
component = "dashboard"
url = "{url_of(server)}/"
"""
        )
        yield path


def test_a_round_then_the_page(checks: Path, data_dir: Path) -> None:
    result = invoke("status", "run", "--once", "--config", str(checks))
    assert result.exit_code == 0, output(result)
    text = output(result)
    assert "up       api-healthz" in text
    assert "down     dashboard-home" in text
    assert "HTTP 500, expected 200" in text

    site = data_dir / "site"
    result = invoke("status", "page", "--out", str(site), "--config", str(checks))
    assert result.exit_code == 0, output(result)
    document = json.loads((site / "status.json").read_text())
    assert [c["state"] for c in document["components"]] == ["up", "down"]
    assert "Lumen status" in (site / "index.html").read_text()


def test_maintenance_add_and_list(checks: Path) -> None:
    added = invoke(
        "status", "maintenance", "add", "--component", "api", "--minutes", "30",
        "--reason", "database upgrade", "--config", str(checks),
    )  # fmt: skip
    assert added.exit_code == 0, output(added)
    listed = invoke("status", "maintenance", "list")
    assert "api" in output(listed)
    assert "database upgrade" in output(listed)


def test_an_unknown_component_is_a_usage_error(checks: Path) -> None:
    result = invoke(
        "status", "maintenance", "add", "--component", "billing", "--minutes", "30",
        "--reason", "x", "--config", str(checks),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "unknown component 'billing' (known: api, dashboard)" in output(result)


def test_a_bad_window_is_a_usage_error(checks: Path) -> None:
    result = invoke(
        "status", "maintenance", "add", "--start", "2025-01-02T00:00Z",
        "--end", "2025-01-01T00:00Z", "--reason", "x", "--config", str(checks),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "must end after it starts" in output(result)
    result = invoke(
        "status",
        "maintenance",
        "add",
        "--start",
        "tomorrow",
        "--minutes",
        "5",
        "--reason",
        "x",
        "--config",
        str(checks),
    )
    assert result.exit_code == 2
    assert "--start: not an ISO 8601 time: 'tomorrow'" in output(result)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("this is = = not toml", "is not valid TOML"),
        ("[[components]]\nid = 'api'\nname = 'API'\n", "checks: Field required"),
        (
            "[[components]]\nid='api'\nname='API'\n[[checks]]\nname='x'\ncomponent='chat'\nurl='http://127.0.0.1/'\n",
            "unknown component 'chat'",
        ),
        (
            "[[components]]\nid='api'\nname='API'\n[[checks]]\nname='x'\ncomponent='api'\nurl='http://127.0.0.1/'\ntimeout='soon'\n",
            "checks.0.timeout: Extra inputs are not permitted",
        ),
    ],
)
def test_a_bad_checks_file_is_a_usage_error(data_dir: Path, content: str, message: str) -> None:
    path = data_dir / "bad.toml"
    path.write_text(content)
    result = invoke("status", "run", "--once", "--config", str(path))
    assert result.exit_code == 2, output(result)
    assert message in output(result)


def test_a_missing_checks_file_is_a_usage_error(data_dir: Path) -> None:
    result = invoke(
        "status", "page", "--out", str(data_dir / "site"), "--config", str(data_dir / "nope.toml")
    )
    assert result.exit_code == 2
    assert "cannot read checks file" in output(result)


def test_notifiers_without_their_secrets_are_a_usage_error(checks: Path) -> None:
    checks.write_text(checks.read_text().replace("[page]", "[notify]\nslack = true\n\n[page]"))
    result = invoke("status", "run", "--once", "--config", str(checks))
    assert result.exit_code == 2
    assert "CCGPT_STATUS_SLACK_WEBHOOK_URL is not set" in output(result)


def test_incident_update_of_an_unknown_incident(checks: Path) -> None:
    result = invoke(
        "status", "incident", "update", "nope", "--message", "x", "--config", str(checks)
    )
    assert result.exit_code == 1
    assert "no incident 'nope'" in output(result)
    result = invoke(
        "status",
        "incident",
        "update",
        "nope",
        "--message",
        "x",
        "--status",
        "fine",
        "--config",
        str(checks),
    )
    assert result.exit_code == 2
    assert "unknown status 'fine'" in output(result)


def test_the_shipped_checks_file_is_valid() -> None:
    config = load_config(ROOT / "deploy" / "status" / "checks.toml")
    assert [c.id for c in config.components] == ["api", "chat", "widget", "dashboard"]
    assert all(check.fail_after == 3 and check.recover_after == 2 for check in config.checks)
