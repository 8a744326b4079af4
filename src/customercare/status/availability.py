"""Time-weighted availability: the share of *time* a component was working, not the share
of probes. Pure functions over fixed timestamps (no clock, no database).

A check's result holds from its time until the check's next result, for at most
``stale_after`` (a monitor that stopped is "no data", never "up"). A component is as bad as
its worst check at each instant (down > degraded > up). Time inside a maintenance window is
neither up nor down: it is left out of the share, and shown as maintenance."""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "WINDOWS",
    "Sample",
    "Segment",
    "Uptime",
    "daily",
    "summarize",
    "timeline",
]

WINDOWS: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}
_RANK = {"up": 0, "degraded": 1, "down": 2}


@dataclass(frozen=True)
class Sample:
    check_name: str
    at: datetime
    state: str


@dataclass(frozen=True)
class Segment:
    start: datetime
    end: datetime
    state: str  # up, degraded, down, maintenance, none (no data)


@dataclass(frozen=True)
class Uptime:
    up_seconds: float = 0.0  # working, degraded included
    degraded_seconds: float = 0.0
    down_seconds: float = 0.0
    maintenance_seconds: float = 0.0
    no_data_seconds: float = 0.0

    @property
    def counted_seconds(self) -> float:
        return self.up_seconds + self.down_seconds

    @property
    def percent(self) -> float | None:
        """None when nothing was measured: 0 of 0 is neither 0% nor 100%."""
        if self.counted_seconds <= 0:
            return None
        return self.up_seconds * 100 / self.counted_seconds

    @property
    def worst(self) -> str:
        if self.down_seconds > 0:
            return "down"
        if self.degraded_seconds > 0:
            return "degraded"
        if self.up_seconds > 0:
            return "up"
        return "maintenance" if self.maintenance_seconds > 0 else "none"


def _check_segments(
    samples: Sequence[Sample], stale_after: timedelta
) -> list[tuple[datetime, datetime, str]]:
    ordered = sorted(samples, key=lambda sample: sample.at)
    segments = []
    for index, sample in enumerate(ordered):
        end = sample.at + stale_after
        if index + 1 < len(ordered):
            end = min(end, ordered[index + 1].at)
        if end > sample.at:
            segments.append((sample.at, end, sample.state))
    return segments


def _state_at(
    segments: list[tuple[datetime, datetime, str]], starts: list[datetime], t: datetime
) -> str | None:
    index = bisect.bisect_right(starts, t) - 1
    if index >= 0 and segments[index][0] <= t < segments[index][1]:
        return segments[index][2]
    return None


def timeline(
    samples: Iterable[Sample],
    *,
    start: datetime,
    end: datetime,
    maintenance: Iterable[tuple[datetime, datetime]] = (),
    stale_after: timedelta = timedelta(minutes=30),
) -> list[Segment]:
    """The component's state over ``[start, end)`` as contiguous segments."""
    by_check: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_check[sample.check_name].append(sample)
    checks = {name: _check_segments(items, stale_after) for name, items in by_check.items()}
    starts = {name: [segment[0] for segment in items] for name, items in checks.items()}
    windows = [(max(a, start), min(b, end)) for a, b in maintenance if b > start and a < end]
    points = {start, end}
    for items in checks.values():
        points.update(t for segment in items for t in segment[:2] if start < t < end)
    points.update(t for window in windows for t in window if start < t < end)
    ordered = sorted(points)
    result: list[Segment] = []
    for left, right in itertools.pairwise(ordered):
        if any(a <= left < b for a, b in windows):
            state = "maintenance"
        else:
            states = [_state_at(items, starts[name], left) for name, items in checks.items()]
            known = [s for s in states if s is not None]
            state = max(known, key=lambda s: _RANK.get(s, 2)) if known else "none"
        if result and result[-1].state == state and result[-1].end == left:
            result[-1] = Segment(result[-1].start, right, state)
        else:
            result.append(Segment(left, right, state))
    return result


def summarize(segments: Iterable[Segment], *, start: datetime, end: datetime) -> Uptime:
    """Seconds in each state within ``[start, end)``."""
    totals: dict[str, float] = defaultdict(float)
    for segment in segments:
        left, right = max(segment.start, start), min(segment.end, end)
        if right > left:
            totals[segment.state] += (right - left).total_seconds()
    return Uptime(
        up_seconds=totals["up"] + totals["degraded"],
        degraded_seconds=totals["degraded"],
        down_seconds=totals["down"],
        maintenance_seconds=totals["maintenance"],
        no_data_seconds=totals["none"],
    )


def daily(
    segments: Sequence[Segment], *, end: datetime, days: int = 90
) -> list[tuple[datetime, Uptime]]:
    """One Uptime per UTC day, oldest first, the last one being the day of ``end``'s last
    instant (partial; at exactly midnight, the day that just ended)."""
    today = (end - timedelta(microseconds=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    result = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        result.append((day, summarize(segments, start=day, end=min(day + timedelta(days=1), end))))
    return result
