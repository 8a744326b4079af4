"""The SSE stream of live events: subscribed comment, events, heartbeats while idle, and the
subscription ends with the stream."""

from __future__ import annotations

import asyncio

from customercare.live.service import InProcessBus, LiveEvent, sse_stream


def test_events_and_heartbeats_then_the_subscription_ends() -> None:
    bus = InProcessBus()

    async def scenario() -> list[str]:
        stream = sse_stream(bus, ("inbox:w1",), heartbeat_seconds=0.05)
        chunks = [await anext(stream)]
        assert bus.watchers("inbox:w1") == 1
        chunks.append(await anext(stream))  # idle: a heartbeat
        bus.publish("inbox:w1", LiveEvent("handoff", "w1", "c1", {"status": "handed_off"}))
        chunks.append(await anext(stream))
        await stream.aclose()  # the client went away
        return chunks

    chunks = asyncio.run(scenario())
    assert chunks[:2] == [": subscribed\n\n", ": heartbeat\n\n"]
    assert chunks[2] == (
        'event: handoff\ndata: {"type":"handoff","conversation_id":"c1","status":"handed_off"}\n\n'
    )
    assert bus.watchers("inbox:w1") == 0
