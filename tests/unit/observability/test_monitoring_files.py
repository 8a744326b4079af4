"""deploy/monitoring reads only metrics the service exports: every ``ccgpt_*`` name in the
alert rules and the Grafana dashboard is a metric of ``observability.metrics`` (or a
recording rule built from them). A renamed metric fails here, not silently on a dashboard.
(promtool checks and unit-tests the rules themselves: ``nox -s monitoring``.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY, generate_latest

from customercare.observability import metrics

MONITORING = Path(__file__).resolve().parents[3] / "deploy" / "monitoring"
NAME = re.compile(r"\bccgpt[_:][A-Za-z0-9_:]+")
HISTOGRAM_SUFFIXES = ("_bucket", "_count", "_sum")


def exported_names() -> set[str]:
    """Every sample name the service can export, from the metric types it registers."""
    assert metrics.http_requests is not None  # the module registered its metrics
    names: set[str] = set()
    for line in generate_latest(REGISTRY).decode().splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            names.add(name)
            if kind == "histogram":
                names.update(name + suffix for suffix in HISTOGRAM_SUFFIXES)
    names.add("ccgpt_ingestion_backlog")  # read at scrape time, from the database
    return names


def rule_groups() -> list[dict[str, object]]:
    groups: list[dict[str, object]] = []
    for name in ("recording.yml", "alerts.yml"):
        groups.extend(yaml.safe_load((MONITORING / name).read_text())["groups"])
    return groups


def recorded_names() -> set[str]:
    return {
        str(rule["record"])
        for group in rule_groups()
        for rule in group["rules"]  # type: ignore[attr-defined]
        if "record" in rule
    }


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_rules_use_only_exported_metrics() -> None:
    known = exported_names() | recorded_names()
    used = {
        name
        for group in rule_groups()
        for rule in group["rules"]  # type: ignore[attr-defined]
        for name in NAME.findall(str(rule["expr"]))
    }
    assert used, "the rules name no metric at all"
    assert sorted(used - known) == []


def test_the_dashboard_uses_only_exported_metrics() -> None:
    known = exported_names() | recorded_names()
    used = {name for expr in dashboard_expressions() for name in NAME.findall(expr)}
    assert len(used) > 10
    assert sorted(used - known) == []


def test_every_alert_has_a_runbook_section_and_a_severity() -> None:
    guide = (Path(__file__).resolve().parents[3] / "docs" / "operations.md").read_text()
    anchors = {f"#{heading.lower()}" for heading in re.findall(r"^### (\w+)", guide, re.M)}
    alerts = [
        rule
        for group in rule_groups()
        for rule in group["rules"]  # type: ignore[attr-defined]
        if "alert" in rule
    ]
    assert len(alerts) >= 8
    for alert in alerts:
        assert alert["labels"]["severity"] in {"page", "ticket"}, alert["alert"]
        runbook = alert["annotations"]["runbook"]
        assert runbook.split("#", 1)[1] in {a[1:] for a in anchors}, runbook
