"""The live bus: publish from any thread, subscribe from the event loop.

One interface, two implementations (the house rule for stores): ``InProcessBus`` when the API
runs as one process, and a Redis pub/sub bus when ``REDIS_URL`` is set, so an agent's reply
sent to one API process reaches a visitor connected to another."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from customercare.live.events import LiveEvent

__all__ = ["EventBus", "InProcessBus"]

# A watcher that stops reading loses events beyond this, rather than growing memory.
QUEUE_LIMIT = 256


class EventBus(Protocol):
    def publish(self, channel: str, event: LiveEvent) -> None:
        """Deliver to every current subscriber of ``channel``; safe from any thread."""
        ...

    def subscribe(self, *channels: str) -> AbstractAsyncContextManager[AsyncIterator[LiveEvent]]:
        """``async with bus.subscribe(a, b) as events: async for event in events: ...``"""
        ...

    def watchers(self, channel: str) -> int:
        """How many subscribers ``channel`` has now (across processes for Redis)."""
        ...

    def close(self) -> None: ...


class _Queue:
    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[LiveEvent] = asyncio.Queue(QUEUE_LIMIT)

    def offer(self, event: LiveEvent) -> None:
        def put() -> None:
            if not self.queue.full():
                self.queue.put_nowait(event)

        self.loop.call_soon_threadsafe(put)

    async def __aiter__(self) -> AsyncIterator[LiveEvent]:
        while True:
            yield await self.queue.get()


class InProcessBus:
    """Subscribers of this process only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[_Queue]] = {}

    def publish(self, channel: str, event: LiveEvent) -> None:
        with self._lock:
            targets = list(self._subscribers.get(channel, ()))
        for target in targets:
            try:
                target.offer(event)
            except RuntimeError:  # its loop has closed: the subscriber is gone
                continue

    @asynccontextmanager
    async def _subscription(
        self, channels: tuple[str, ...]
    ) -> AsyncIterator[AsyncIterator[LiveEvent]]:
        queue = _Queue()
        with self._lock:
            for channel in channels:
                self._subscribers.setdefault(channel, set()).add(queue)
        try:
            yield queue.__aiter__()
        finally:
            with self._lock:
                for channel in channels:
                    members = self._subscribers.get(channel)
                    if members is not None:
                        members.discard(queue)
                        if not members:
                            del self._subscribers[channel]

    def subscribe(self, *channels: str) -> AbstractAsyncContextManager[AsyncIterator[LiveEvent]]:
        return self._subscription(channels)

    def watchers(self, channel: str) -> int:
        with self._lock:
            return len(self._subscribers.get(channel, ()))

    def close(self) -> None:
        with self._lock:
            self._subscribers.clear()
