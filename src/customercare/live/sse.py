"""Live events as Server-Sent Events: ``event: <type>`` and the event's JSON (the same object
the WebSocket sends), a comment first once the subscription is live, and a heartbeat comment
every ``heartbeat_seconds`` so that proxies keep the connection and a gone client is noticed.
The stream ends when the client disconnects (the server cancels it); the subscription ends
with it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import suppress

from customercare.live.bus import EventBus
from customercare.live.events import LiveEvent

__all__ = ["HEARTBEAT_SECONDS", "as_sse", "sse_stream"]

HEARTBEAT_SECONDS = 15.0


def as_sse(event: LiveEvent) -> str:
    return f"event: {event.type}\ndata: {json.dumps(event.as_dict(), separators=(',', ':'))}\n\n"


async def sse_stream(
    bus: EventBus, channels: tuple[str, ...], *, heartbeat_seconds: float = HEARTBEAT_SECONDS
) -> AsyncIterator[str]:
    async with bus.subscribe(*channels) as events:
        # A task reads the subscription, so that waiting with a timeout for the heartbeat
        # never cancels the subscription's own iterator.
        queue: asyncio.Queue[LiveEvent] = asyncio.Queue()

        async def pump() -> None:
            async for event in events:
                await queue.put(event)

        reader = asyncio.create_task(pump())
        try:
            yield ": subscribed\n\n"
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=heartbeat_seconds)
                except TimeoutError:
                    if reader.done():  # the subscription failed for good: end the stream
                        return
                    yield ": heartbeat\n\n"
                    continue
                yield as_sse(event)
        finally:
            reader.cancel()
            with suppress(asyncio.CancelledError):
                await reader
