"""The live domain's face: the bus interface, its implementations, events and channels."""

from __future__ import annotations

from customercare.live.bus import EventBus, InProcessBus
from customercare.live.events import LiveEvent, conversation_channel, inbox_channel
from customercare.live.redis_bus import RedisBus
from customercare.live.sse import HEARTBEAT_SECONDS, sse_stream
from customercare.settings import Settings

__all__ = [
    "HEARTBEAT_SECONDS",
    "EventBus",
    "InProcessBus",
    "LiveEvent",
    "RedisBus",
    "build_bus",
    "conversation_channel",
    "inbox_channel",
    "sse_stream",
]


def build_bus(settings: Settings) -> EventBus:
    """Redis pub/sub when ``REDIS_URL`` is set (events cross API processes), else in-process."""
    if settings.redis_url:
        return RedisBus(settings.redis_url)
    return InProcessBus()
