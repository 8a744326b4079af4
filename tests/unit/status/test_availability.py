"""Time-weighted availability over fixed timestamps: time up, not probes up."""

from __future__ import annotations

from datetime import timedelta

import pytest

from customercare.status.service import Sample, summarize, timeline
from tests.unit.status.conftest import T0

H = timedelta(hours=1)


def samples(*points: tuple[timedelta, str], check: str = "api-health") -> list[Sample]:
    return [Sample(check, T0 + offset, state) for offset, state in points]


def test_a_component_down_one_hour_of_twenty_four_is_95_83_percent() -> None:
    # Many probes while up, one while down: a share of probes would say 99%, time says 95.83%.
    points = [(timedelta(minutes=5 * i), "up") for i in range(0, 288)]
    history = [p for p in points if not (10 * H <= p[0] < 11 * H)] + [(10 * H, "down")]
    segments = timeline(samples(*history), start=T0, end=T0 + 24 * H, stale_after=H)
    uptime = summarize(segments, start=T0, end=T0 + 24 * H)
    assert uptime.down_seconds == 3600
    assert uptime.percent == pytest.approx(95.8333, abs=1e-4)
    assert f"{uptime.percent:.2f}" == "95.83"


def test_degraded_counts_as_working_and_is_reported() -> None:
    history = samples((0 * H, "up"), (6 * H, "degraded"), (12 * H, "up"))
    uptime = summarize(
        timeline(history, start=T0, end=T0 + 24 * H, stale_after=24 * H), start=T0, end=T0 + 24 * H
    )
    assert uptime.percent == 100
    assert uptime.degraded_seconds == 6 * 3600
    assert uptime.worst == "degraded"


def test_maintenance_is_excluded_from_availability() -> None:
    history = samples((0 * H, "up"), (2 * H, "down"), (4 * H, "up"))
    window = [(T0 + 2 * H, T0 + 4 * H)]
    segments = timeline(history, start=T0, end=T0 + 24 * H, maintenance=window, stale_after=24 * H)
    uptime = summarize(segments, start=T0, end=T0 + 24 * H)
    assert uptime.maintenance_seconds == 2 * 3600
    assert uptime.down_seconds == 0
    assert uptime.percent == 100
    assert [s.state for s in segments] == ["up", "maintenance", "up"]


def test_a_stopped_monitor_is_no_data_not_up() -> None:
    history = samples((0 * H, "up"), (1 * H, "up"))
    segments = timeline(history, start=T0, end=T0 + 24 * H, stale_after=H)
    uptime = summarize(segments, start=T0, end=T0 + 24 * H)
    assert uptime.up_seconds == 2 * 3600
    assert uptime.no_data_seconds == 22 * 3600
    assert uptime.percent == 100
    assert summarize([], start=T0, end=T0 + H).percent is None


def test_a_component_is_as_bad_as_its_worst_check() -> None:
    history = samples((0 * H, "up"), check="a") + samples(
        (0 * H, "up"), (3 * H, "down"), (6 * H, "up"), check="b"
    )
    segments = timeline(history, start=T0, end=T0 + 12 * H, stale_after=24 * H)
    uptime = summarize(segments, start=T0, end=T0 + 12 * H)
    assert uptime.down_seconds == 3 * 3600
    assert uptime.percent == 75
