"""The status page: status.json's shape, 90 daily bars, maintenance said and excluded, the
HTML escapes whatever people typed into incidents, and `ccgpt status serve`'s app serves both.
The availability gate reads the same status.json."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from customercare.delivery.gates import Verdict, evaluate, load_thresholds
from customercare.status.router import build_page_app
from customercare.status.service import (
    CheckResult,
    StatusConfig,
    add_maintenance,
    add_update,
    list_incidents,
    snapshot,
    write_site,
)
from tests.unit.status.conftest import T0

H = timedelta(hours=1)
NOW = T0 + 30 * 24 * H
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ROOT = Path(__file__).resolve().parents[3]


def history(sessions: sessionmaker[Session], config: StatusConfig, *, down_hours: int = 1) -> None:
    """30 days of probes every 10 minutes; the API is down for ``down_hours`` on the last day."""
    rows = []
    at = NOW - 30 * 24 * H
    while at < NOW:
        api_down = NOW - 12 * H <= at < NOW - (12 - down_hours) * H
        for check in config.checks:
            state = "down" if check.component == "api" and api_down else "up"
            rows.append(
                {"check_name": check.name, "component": check.component, "checked_at": at}
                | {"state": state, "in_maintenance": False}
            )
        at += timedelta(minutes=10)
    with sessions.begin() as session:
        session.execute(insert(CheckResult), rows)


def test_json_shape(sessions: sessionmaker[Session], config: StatusConfig) -> None:
    history(sessions, config)
    with sessions() as session:
        document = snapshot(session, config, now=NOW)
    assert document["format"] == "ccgpt-status/1"
    assert document["title"] == "Lumen status"
    assert document["generated_at"] == "2025-03-31T00:00:00Z"
    assert document["state"] == "up"
    assert document["availability_excludes_maintenance"] is True
    assert [c["id"] for c in document["components"]] == ["api", "chat"]
    api = document["components"][0]
    assert set(api["availability"]) == {"24h", "7d", "30d", "90d"}
    assert api["availability"]["24h"]["percent"] == round(23 / 24 * 100, 4)
    assert api["availability"]["24h"]["down_seconds"] == 3600
    assert api["availability"]["30d"]["percent"] == round((30 * 24 - 1) / (30 * 24) * 100, 4)
    assert len(api["days"]) == 90
    assert api["days"][-1] == {
        "date": "2025-03-30",
        "state": "down",
        "percent": round(23 / 24 * 100, 4),
        "maintenance_seconds": 0,
    }
    assert api["days"][0]["state"] == "none"
    assert api["days"][0]["percent"] is None
    assert document["components"][1]["availability"]["30d"]["percent"] == 100
    assert document["incidents"] == {"open": [], "recent": []}
    json.dumps(document)  # serialisable as it is


def test_the_html_escapes_hostile_incident_text(
    sessions: sessionmaker[Session], config: StatusConfig, tmp_path: Path
) -> None:
    history(sessions, config)
    from customercare.status.service import Incident

    with sessions.begin() as session:
        incident = Incident(component="api", title=HOSTILE, opened_at=NOW - H, notifier_refs={})
        session.add(incident)
        session.flush()
        add_update(
            session,
            incident_id=incident.id,
            status="identified",
            message=f"cause: {HOSTILE}",
            now=NOW,
        )
        add_maintenance(
            session, config, starts_at=NOW - H, ends_at=NOW + H, reason=f"upgrade {HOSTILE}"
        )
        document = snapshot(session, config, now=NOW)
    written = write_site(document, tmp_path / "site")
    assert [p.name for p in written] == ["index.html", "status.json"]
    html = (tmp_path / "site" / "index.html").read_text()
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "Current incidents" in html
    assert "Time in a maintenance window is excluded from availability" in html
    assert "In progress" in html
    stored = json.loads((tmp_path / "site" / "status.json").read_text())
    assert stored["incidents"]["open"][0]["title"] == HOSTILE
    assert stored["incidents"]["open"][0]["updates"][0]["status"] == "identified"
    assert stored["maintenance"][0]["active"] is True
    assert stored["state"] == "maintenance"


def test_maintenance_is_excluded_on_the_page(
    sessions: sessionmaker[Session], config: StatusConfig
) -> None:
    history(sessions, config, down_hours=2)
    with sessions.begin() as session:
        # The API's two hours down were planned.
        add_maintenance(
            session,
            config,
            starts_at=NOW - 12 * H,
            ends_at=NOW - 10 * H,
            reason="migration",
            component="api",
        )
        document = snapshot(session, config, now=NOW)
    day = document["components"][0]["availability"]["24h"]
    assert (day["percent"], day["maintenance_seconds"], day["down_seconds"]) == (100, 7200, 0)
    assert document["components"][1]["availability"]["24h"]["maintenance_seconds"] == 0


def test_the_served_page_and_json(sessions: sessionmaker[Session], config: StatusConfig) -> None:
    history(sessions, config)
    with TestClient(build_page_app(sessions, config)) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert "Lumen status" in page.text
        data = client.get("/status.json").json()
        assert data["format"] == "ccgpt-status/1"
        assert [c["id"] for c in data["components"]] == ["api", "chat"]


def test_the_availability_gate_reads_the_status_history(
    sessions: sessionmaker[Session], config: StatusConfig, tmp_path: Path
) -> None:
    history(sessions, config)
    with sessions() as session:
        write_site(snapshot(session, config, now=NOW), tmp_path)
        assert list_incidents(session) == []
    (tmp_path / "status.json").rename(tmp_path / "status-history.json")
    thresholds = load_thresholds(ROOT / "quality-gates.toml")
    [gate] = [r for r in evaluate(tmp_path, thresholds, "release", {}) if r.name == "availability"]
    # 719 of 720 hours: 99.86% < 99.9%, for the API (the worst component).
    assert gate.verdict is Verdict.FAIL
    assert gate.measured == "99.86%"
    assert gate.detail.startswith("worst component api: up 719.00 h of 720.00 h (time-weighted")
    lenient = thresholds.model_copy(update={"availability_min_percent": 99.5})
    [gate] = [r for r in evaluate(tmp_path, lenient, "release", {}) if r.name == "availability"]
    assert gate.verdict is Verdict.PASS
