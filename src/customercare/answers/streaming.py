"""Carry a reply's events over an async transport without losing the cancelled case: if the
client goes away, the generator is closed so the engine stores the turn as cancelled."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator

import anyio
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from customercare.answers.events import ChatEvent


async def relay(events: Generator[ChatEvent, None, None]) -> AsyncIterator[ChatEvent]:
    try:
        async for event in iterate_in_threadpool(events):
            yield event
    finally:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(events.close)


async def as_sse(events: Generator[ChatEvent, None, None]) -> AsyncIterator[str]:
    async for event in relay(events):
        yield event.as_sse()
