"""Both counter stores behave alike: fixed windows, totals, peeks, resets, expiry. The Redis
one runs against the real Redis at 127.0.0.1:6379 (db 0) under a unique key prefix."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from customercare.limits.counters import (
    CounterStore,
    MemoryCounterStore,
    RedisCounterStore,
    build_counter_store,
)

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[CounterStore]:
    if request.param == "memory":
        yield MemoryCounterStore()
        return
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"ccgpt:test:{uuid.uuid4().hex}:"
    yield RedisCounterStore(REDIS_URL, prefix=prefix)
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_hits_add_up_within_a_window(store: CounterStore) -> None:
    assert store.hit("a", window_seconds=60).count == 1
    assert store.hit("a", window_seconds=60).count == 2
    window = store.hit("a", window_seconds=60, amount=3)
    assert window.count == 5
    assert 1 <= window.resets_in <= 60
    assert store.hit("b", window_seconds=60).count == 1


def test_peek_does_not_count(store: CounterStore) -> None:
    assert store.peek("p", window_seconds=30).count == 0
    store.hit("p", window_seconds=30)
    assert store.peek("p", window_seconds=30).count == 1
    assert store.peek("p", window_seconds=30).count == 1
    assert 1 <= store.peek("p", window_seconds=30).resets_in <= 30


def test_reset_forgets_the_key(store: CounterStore) -> None:
    store.hit("r", window_seconds=60)
    store.hit("r", window_seconds=60)
    store.reset("r")
    assert store.peek("r", window_seconds=60).count == 0
    assert store.hit("r", window_seconds=60).count == 1


def test_a_window_expires(store: CounterStore) -> None:
    assert store.hit("w", window_seconds=1).count == 1
    assert store.hit("w", window_seconds=1).count == 2
    time.sleep(1.3)
    assert store.peek("w", window_seconds=1).count == 0
    assert store.hit("w", window_seconds=1).count == 1


def test_later_hits_do_not_extend_the_window(store: CounterStore) -> None:
    store.hit("f", window_seconds=2)
    time.sleep(1.1)
    assert store.hit("f", window_seconds=2).resets_in == 1
    time.sleep(1.1)
    assert store.hit("f", window_seconds=2).count == 1


def test_concurrent_hits_are_all_counted(store: CounterStore) -> None:
    def work() -> None:
        for _ in range(50):
            store.hit("c", window_seconds=60)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.peek("c", window_seconds=60).count == 400


def test_build_counter_store_follows_redis_url() -> None:
    assert isinstance(build_counter_store(None), MemoryCounterStore)
    assert isinstance(build_counter_store(REDIS_URL), RedisCounterStore)
