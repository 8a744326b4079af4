"""The live bus over Redis pub/sub, so that an event published by one API process reaches
subscribers connected to another.

- ``publish`` is called from request threads: a synchronous client (its own connection pool)
  sends ``PUBLISH``. Redis away: the event is logged and dropped after one retry; a live
  event is a nudge (the state is in the database), never worth failing a request for.
- ``subscribe`` runs on the event loop: one ``redis.asyncio`` pub/sub connection per
  subscription. A lost connection is logged and re-established with back-off, the channels
  subscribed again; events published while it was down are lost (pub/sub keeps nothing).
- ``watchers`` is ``PUBSUB NUMSUB``: every process's subscribers count. Redis away: 0, so
  that the caller falls back to email rather than trust a visitor who may be gone.

Channels are prefixed (``ccgpt:live:``) so that they share a Redis with the job queue and
the counters without meeting their keys."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import redis
import redis.asyncio as aioredis
import structlog

from customercare.live.events import LiveEvent

__all__ = ["RedisBus"]

log = structlog.get_logger(__name__)

PREFIX = "ccgpt:live:"
# How long one read waits before checking the connection again, and the reconnect back-off.
POLL_SECONDS = 1.0
RECONNECT_DELAYS = (0.1, 0.5, 1.0, 2.0, 5.0)
PUBLISH_RETRY_DELAY = 0.05


class _Subscription:
    """One pub/sub connection that survives Redis restarts."""

    def __init__(self, url: str, channels: tuple[str, ...], timeout: float, name: str) -> None:
        self._url, self._timeout, self._name = url, timeout, name
        self._channels = [PREFIX + channel for channel in channels]
        # Any: the installed stubs predate redis.asyncio's aclose().
        self._client: Any = None
        self._pubsub: Any = None
        self._pending: deque[LiveEvent] = deque()

    async def open(self) -> None:
        """Subscribe and wait for Redis to confirm every channel: from then on ``watchers``
        counts this subscriber, in every process."""
        self._client = aioredis.Redis.from_url(
            self._url,
            socket_connect_timeout=self._timeout,
            health_check_interval=30,
            client_name=self._name,
        )
        self._pubsub = self._client.pubsub()
        await self._pubsub.subscribe(*self._channels)
        confirmed: set[str] = set()
        deadline = time.monotonic() + self._timeout
        while confirmed != set(self._channels) and time.monotonic() < deadline:
            message = await self._pubsub.get_message(timeout=POLL_SECONDS)
            if message is None:
                continue
            if message["type"] == "subscribe":
                confirmed.add(_text(message["channel"]))
            elif (event := _event(message)) is not None:
                self._pending.append(event)

    async def close(self) -> None:
        pubsub, client = self._pubsub, self._client
        self._pubsub = self._client = None
        try:
            if pubsub is not None:
                await pubsub.aclose()
            if client is not None:
                await client.aclose()
        except (redis.RedisError, OSError):  # already gone: nothing to release
            pass

    async def events(self) -> AsyncIterator[LiveEvent]:
        attempt = 0
        while True:
            while self._pending:
                yield self._pending.popleft()
            try:
                if self._pubsub is None:
                    await self.open()
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=POLL_SECONDS
                )
                attempt = 0
            except (redis.RedisError, OSError) as error:
                delay = RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)]
                attempt += 1
                log.warning("live.subscription_lost", error=str(error), retry_in=delay)
                await self.close()
                await asyncio.sleep(delay)
                continue
            if message is not None and (event := _event(message)) is not None:
                yield event


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _event(message: dict[str, Any]) -> LiveEvent | None:
    if message.get("type") != "message":
        return None
    try:
        return LiveEvent.from_json(message["data"])
    except (ValueError, KeyError, TypeError):
        log.warning("live.bad_event", channel=_text(message.get("channel", b"")))
        return None


class RedisBus:
    """Subscribers of every process that shares the Redis."""

    def __init__(self, url: str, *, timeout: float = 5.0, name: str = "ccgpt-live") -> None:
        """``name`` is the connections' client name (``CLIENT LIST`` shows who they are)."""
        self._url, self._timeout, self._name = url, timeout, name
        self._client = redis.Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout, client_name=name
        )

    def publish(self, channel: str, event: LiveEvent) -> None:
        payload = event.to_json()
        for attempt in range(2):
            try:
                self._client.publish(PREFIX + channel, payload)
                return
            except (redis.RedisError, OSError) as error:
                if attempt:
                    log.warning("live.publish_failed", event_type=event.type, error=str(error))
                    return
                time.sleep(PUBLISH_RETRY_DELAY)

    @asynccontextmanager
    async def _subscription(
        self, channels: tuple[str, ...]
    ) -> AsyncIterator[AsyncIterator[LiveEvent]]:
        subscription = _Subscription(self._url, channels, self._timeout, self._name)
        try:
            await subscription.open()
        except (redis.RedisError, OSError) as error:
            # Redis is away: the stream still opens, and its reader reconnects.
            log.warning("live.subscribe_failed", error=str(error))
            await subscription.close()
        try:
            yield subscription.events()
        finally:
            await subscription.close()

    def subscribe(self, *channels: str) -> AbstractAsyncContextManager[AsyncIterator[LiveEvent]]:
        return self._subscription(channels)

    def watchers(self, channel: str) -> int:
        try:
            counts = self._client.pubsub_numsub(PREFIX + channel)
        except (redis.RedisError, OSError) as error:
            log.warning("live.watchers_unknown", error=str(error))
            return 0
        return sum(int(count) for _, count in counts)

    def close(self) -> None:
        self._client.close()
