"""Retention: the newest backup of each of the N most recent days with one, and of each of
the M most recent ISO weeks with one; fixed dates, no clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from customercare.backup.service import select_kept


def at(day: str, hour: int = 3) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def test_keeps_the_newest_per_day_and_per_week() -> None:
    # Two a day from Monday 2026-11-02 to Sunday 2026-11-29 (four ISO weeks: 45..48).
    moments = [at("2026-11-02", 3) + timedelta(days=d, hours=h) for d in range(28) for h in (0, 12)]
    names = {m: m.strftime("%m-%d %H") for m in moments}
    kept, deleted = select_kept([(m, names[m]) for m in moments], daily=3, weekly=2)
    assert kept == ["11-29 15", "11-28 15", "11-27 15", "11-22 15"]
    assert len(deleted) == len(moments) - 4
    assert set(kept).isdisjoint(deleted)


def test_a_pause_in_backups_uses_up_no_day() -> None:
    moments = [at("2026-10-01"), at("2026-10-02"), at("2026-11-20")]
    kept, deleted = select_kept([(m, m.date().isoformat()) for m in moments], daily=2, weekly=0)
    assert kept == ["2026-11-20", "2026-10-02"]
    assert deleted == ["2026-10-01"]


def test_weekly_only_and_timezones() -> None:
    # 2026-11-08 23:30 at UTC-2 is Monday 2026-11-09 01:30 UTC: week 46, not 45.
    minus_two = datetime(2026, 11, 8, 23, 30, tzinfo=UTC) + timedelta(hours=2)
    moments = [at("2026-11-03"), minus_two, at("2026-11-10")]
    kept, _ = select_kept([(m, m) for m in moments], daily=0, weekly=5)
    assert kept == [at("2026-11-10"), at("2026-11-03")]
