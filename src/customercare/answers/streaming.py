"""Carry a reply's events over an async transport without losing the cancelled case: if the
client goes away, the reply is closed so the engine stores the turn as cancelled. An
unexpected error ends the stream with an ``error`` event instead of a cut connection."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import structlog
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from customercare.answers.engine import ReplyStream
from customercare.answers.events import ChatEvent

log = structlog.get_logger(__name__)


async def relay(events: ReplyStream) -> AsyncIterator[ChatEvent]:
    try:
        async for event in iterate_in_threadpool(events):
            yield event
    except Exception:
        # The engine stored the turn as failed; the client learns it in the stream's own terms.
        log.exception("chat.reply_failed")
        yield ChatEvent(
            "error",
            {"error": {"code": "internal_error", "message": "the reply failed", "details": {}}},
        )
    finally:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(events.close)


async def as_sse(events: ReplyStream) -> AsyncIterator[str]:
    async for event in relay(events):
        yield event.as_sse()
