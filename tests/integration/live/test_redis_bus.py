"""The Redis bus against a real Redis (CCGPT_TEST_REDIS_URL; skipped without it): two buses
stand for two API processes, and a subscription outlives its connection being killed."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import redis

from customercare.live.service import (
    LiveEvent,
    RedisBus,
    build_bus,
    conversation_channel,
    inbox_channel,
)
from customercare.settings import Settings

REDIS_URL = os.environ.get("CCGPT_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="set CCGPT_TEST_REDIS_URL (production)")


@pytest.fixture
def buses() -> Iterator[tuple[RedisBus, RedisBus]]:
    assert REDIS_URL
    name = f"ccgpt-live-test-{uuid.uuid4().hex[:8]}"
    first, second = RedisBus(REDIS_URL, name=name), RedisBus(REDIS_URL, name=name + "-b")
    yield first, second
    first.close()
    second.close()


async def next_event(events: AsyncIterator[LiveEvent], timeout: float = 10) -> LiveEvent:
    return await asyncio.wait_for(anext(events), timeout=timeout)


@needs_redis
def test_build_bus_picks_redis_when_redis_url_is_set() -> None:
    assert isinstance(build_bus(Settings(REDIS_URL=REDIS_URL)), RedisBus)


@needs_redis
def test_two_processes_see_each_others_events_and_watchers(
    buses: tuple[RedisBus, RedisBus],
) -> None:
    first, second = buses
    conversation = conversation_channel(uuid.uuid4().hex)
    inbox = inbox_channel(uuid.uuid4().hex)

    async def scenario() -> list[tuple[str, str | None]]:
        async with first.subscribe(conversation, inbox) as events:
            # Subscribed means counted, in the other "process" too.
            assert second.watchers(conversation) == 1
            assert second.watchers(inbox) == 1

            def send() -> None:
                second.publish(inbox, LiveEvent("handoff", "w1", "c1"))
                second.publish(conversation, LiveEvent("agent_message", "w1", "c1", {"n": 2}))

            sender = threading.Thread(target=send)
            sender.start()
            sender.join()
            received = [await next_event(events), await next_event(events)]
        return [(event.type, event.conversation_id) for event in received]

    assert asyncio.run(scenario()) == [("handoff", "c1"), ("agent_message", "c1")]
    # The subscriber went away: nobody watches, and publishing to nobody is fine.
    assert first.watchers(conversation) == 0
    second.publish(conversation, LiveEvent("typing", "w1", "c1"))


@needs_redis
def test_a_subscription_survives_its_connection_being_killed(
    buses: tuple[RedisBus, RedisBus],
) -> None:
    assert REDIS_URL
    first, second = buses
    channel = conversation_channel(uuid.uuid4().hex)
    admin = redis.Redis.from_url(REDIS_URL)

    async def scenario() -> LiveEvent:
        async with first.subscribe(channel) as events:
            victims = [c for c in admin.client_list() if c.get("name") == first._name]
            assert victims
            for client in victims:
                admin.client_kill_filter(_id=client["id"])
            reader = asyncio.ensure_future(next_event(events, timeout=20))
            # Publish until the reconnected subscriber is counted again, then once more.
            for _ in range(200):
                if second.watchers(channel) == 1:
                    break
                await asyncio.sleep(0.05)
            second.publish(channel, LiveEvent("status", "w1", "c1", {"status": "assigned"}))
            return await reader

    try:
        event = asyncio.run(scenario())
    finally:
        admin.close()
    assert (event.type, event.data) == ("status", {"status": "assigned"})


def test_redis_away_is_logged_not_raised() -> None:
    bus = RedisBus("redis://127.0.0.1:1/0", timeout=0.5)  # nothing listens on port 1
    bus.publish("conversation:x", LiveEvent("typing", "w1", "x"))
    assert bus.watchers("conversation:x") == 0

    async def scenario() -> None:
        async with bus.subscribe("conversation:x") as events:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(anext(events), timeout=0.5)

    asyncio.run(scenario())
    bus.close()
