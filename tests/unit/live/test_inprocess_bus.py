"""The in-process bus delivers to the subscribers of a channel only, from any thread."""

from __future__ import annotations

import asyncio
import threading

from customercare.live.service import InProcessBus, LiveEvent, conversation_channel


def test_an_event_reaches_the_subscribers_of_its_channel_only() -> None:
    bus = InProcessBus()
    mine, other = conversation_channel("c1"), conversation_channel("c2")

    async def scenario() -> list[str]:
        async with bus.subscribe(mine) as events:
            assert bus.watchers(mine) == 1
            assert bus.watchers(other) == 0
            # Published from another thread, as a request handler in the thread pool does.
            sender = threading.Thread(
                target=lambda: (
                    bus.publish(other, LiveEvent("typing", "w", "c2")),
                    bus.publish(mine, LiveEvent("agent_message", "w", "c1", {"content": "hi"})),
                )
            )
            sender.start()
            sender.join()
            first = await asyncio.wait_for(anext(aiter(events)), timeout=5)
            return [first.type, first.data["content"]]

    assert asyncio.run(scenario()) == ["agent_message", "hi"]
    assert bus.watchers(mine) == 0


def test_an_event_round_trips_through_json() -> None:
    event = LiveEvent("status", "w1", "c1", {"status": "assigned"})
    assert LiveEvent.from_json(event.to_json()) == event
    assert event.as_dict() == {"type": "status", "conversation_id": "c1", "status": "assigned"}
