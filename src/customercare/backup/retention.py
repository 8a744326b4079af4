"""Which backups ``prune`` keeps: the newest of each of the ``daily`` most recent days that
have a backup, and the newest of each of the ``weekly`` most recent ISO weeks that have one
(restic's --keep-daily/--keep-weekly). Days and weeks are UTC. A day with no backup uses up
nothing, so a pause in backups never deletes the last good ones."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

__all__ = ["select_kept"]

T = TypeVar("T")


def _newest_per_bucket(
    items: Sequence[tuple[datetime, T]], bucket: Callable[[datetime], object], limit: int
) -> list[T]:
    kept: list[T] = []
    seen: set[object] = set()
    for moment, item in items:
        key = bucket(moment)
        if key in seen:
            continue
        if len(seen) == limit:
            break
        seen.add(key)
        kept.append(item)
    return kept


def select_kept(
    items: Sequence[tuple[datetime, T]], *, daily: int, weekly: int
) -> tuple[list[T], list[T]]:
    """``(kept, deleted)``, both newest first."""
    ordered = sorted(items, key=lambda pair: pair[0], reverse=True)
    utc = [(moment.astimezone(UTC), item) for moment, item in ordered]
    keep_ids = {
        id(item)
        for item in [
            *_newest_per_bucket(utc, lambda m: m.date(), daily),
            *_newest_per_bucket(utc, lambda m: m.isocalendar()[:2], weekly),
        ]
    }
    kept = [item for _, item in utc if id(item) in keep_ids]
    deleted = [item for _, item in utc if id(item) not in keep_ids]
    return kept, deleted
