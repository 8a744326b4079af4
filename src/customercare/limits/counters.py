"""Fixed-window counters for rate limits and sign-in throttling: in memory for one process,
in Redis when ``REDIS_URL`` is set so that every API process counts together."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

import redis


@dataclass(frozen=True, slots=True)
class Window:
    count: int
    # Seconds until this window resets (what Retry-After says).
    resets_in: int


class CounterStore(Protocol):
    def hit(self, key: str, *, window_seconds: int, amount: int = 1) -> Window:
        """Add ``amount`` to the key's current window and return the new total."""
        ...

    def peek(self, key: str, *, window_seconds: int) -> Window: ...

    def reset(self, key: str) -> None: ...


class MemoryCounterStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str, *, window_seconds: int, amount: int = 1) -> Window:
        now = time.monotonic()
        with self._lock:
            started, count = self._windows.get(key, (now, 0))
            if now - started >= window_seconds:
                started, count = now, 0
            count += amount
            self._windows[key] = (started, count)
        return Window(count, max(1, round(started + window_seconds - now)))

    def peek(self, key: str, *, window_seconds: int) -> Window:
        now = time.monotonic()
        with self._lock:
            started, count = self._windows.get(key, (now, 0))
        if now - started >= window_seconds:
            return Window(0, window_seconds)
        return Window(count, max(1, round(started + window_seconds - now)))

    def reset(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)


class RedisCounterStore:
    """INCRBY plus an expiry set on the window's first hit, in one pipeline."""

    def __init__(self, url: str, *, prefix: str = "ccgpt:limits:") -> None:
        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def hit(self, key: str, *, window_seconds: int, amount: int = 1) -> Window:
        name = self._prefix + key
        pipe = self._redis.pipeline()
        pipe.incrby(name, amount)
        pipe.expire(name, window_seconds, nx=True)
        pipe.ttl(name)
        count, _, ttl = pipe.execute()
        return Window(int(count), int(ttl) if int(ttl) > 0 else window_seconds)

    def peek(self, key: str, *, window_seconds: int) -> Window:
        name = self._prefix + key
        pipe = self._redis.pipeline()
        pipe.get(name)
        pipe.ttl(name)
        value, ttl = pipe.execute()
        return Window(int(value or 0), int(ttl) if int(ttl or 0) > 0 else window_seconds)

    def reset(self, key: str) -> None:
        self._redis.delete(self._prefix + key)


def build_counter_store(redis_url: str | None) -> CounterStore:
    return RedisCounterStore(redis_url) if redis_url else MemoryCounterStore()
