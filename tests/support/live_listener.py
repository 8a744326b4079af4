"""Listen to live bus channels from a background thread, as an SSE client would: events are
collected in a list; ``wait_for`` blocks until one of a type arrives."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from customercare.live.service import EventBus, LiveEvent


class Listener:
    def __init__(self) -> None:
        self.events: list[LiveEvent] = []
        self.lock = threading.Lock()

    def types(self) -> list[str]:
        with self.lock:
            return [event.type for event in self.events]

    def wait_for(self, kind: str, *, timeout: float = 10.0) -> LiveEvent:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for event in self.events:
                    if event.type == kind:
                        return event
            time.sleep(0.02)
        raise AssertionError(f"no {kind} event within {timeout}s; got {self.types()}")


@contextmanager
def listening(bus: EventBus, *channels: str) -> Iterator[Listener]:
    listener = Listener()
    subscribed, stop = threading.Event(), threading.Event()

    async def run() -> None:
        async with bus.subscribe(*channels) as events:
            subscribed.set()

            async def read() -> None:
                async for event in events:
                    with listener.lock:
                        listener.events.append(event)

            reader = asyncio.ensure_future(read())
            while not stop.is_set():
                await asyncio.sleep(0.02)
            reader.cancel()

    thread = threading.Thread(target=asyncio.run, args=(run(),), daemon=True)
    thread.start()
    assert subscribed.wait(10), "the subscription did not start"
    try:
        yield listener
    finally:
        stop.set()
        thread.join(10)
