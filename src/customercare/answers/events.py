"""The events of one reply, in order: ``conversation`` (ids), ``token``* (text deltas, or a
``replace`` when the text had to be swapped), ``citations``, ``decision``, ``done``. The same
events feed JSON replies, Server-Sent Events, the WebSocket and the OpenAI facade."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

EventType = Literal["conversation", "token", "replace", "citations", "decision", "done", "error"]


@dataclass(frozen=True, slots=True)
class ChatEvent:
    type: EventType
    data: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, **self.data}

    def as_sse(self) -> str:
        return f"event: {self.type}\ndata: {json.dumps(self.data, separators=(',', ':'))}\n\n"
