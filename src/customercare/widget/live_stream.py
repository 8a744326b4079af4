"""Live events of one conversation as an async stream with keep-alives: a quiet stream still
sends something every ``keepalive`` seconds (None), so proxies keep it open."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from customercare.live.service import EventBus, LiveEvent, conversation_channel

__all__ = ["KEEPALIVE_SECONDS", "conversation_events"]

KEEPALIVE_SECONDS = 15.0


async def conversation_events(
    bus: EventBus, conversation_id: str, *, keepalive: float = KEEPALIVE_SECONDS
) -> AsyncIterator[LiveEvent | None]:
    """Yield the conversation's live events as they come, and None after each quiet
    ``keepalive``. Subscribed before the first yield: nothing published after it is missed."""
    queue: asyncio.Queue[LiveEvent] = asyncio.Queue()
    subscribed = asyncio.Event()

    async def pump() -> None:
        async with bus.subscribe(conversation_channel(conversation_id)) as events:
            subscribed.set()
            async for event in events:
                await queue.put(event)

    task = asyncio.create_task(pump())
    try:
        await subscribed.wait()
        yield None
        while True:
            try:
                yield await asyncio.wait_for(queue.get(), timeout=keepalive)
            except TimeoutError:
                yield None
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
