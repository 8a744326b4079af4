"""The event that travels on the live bus, and the channel names it travels on."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LiveEvent", "conversation_channel", "inbox_channel"]


def conversation_channel(conversation_id: str) -> str:
    """Everything the visitor of one conversation (and the agent holding it) should see."""
    return f"conversation:{conversation_id}"


def inbox_channel(workspace_id: str) -> str:
    """What a workspace's inbox shows live: new handoffs, visitor messages, claims."""
    return f"inbox:{workspace_id}"


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """``type`` names the event (``agent_message``, ``typing``, ``status``, ``handoff``,
    ``visitor_message``...); ``data`` is JSON-able and never carries secrets."""

    type: str
    workspace_id: str
    conversation_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "conversation_id": self.conversation_id,
            **self.data,
        }

    def to_json(self) -> str:
        return json.dumps(
            {
                "type": self.type,
                "workspace_id": self.workspace_id,
                "conversation_id": self.conversation_id,
                "data": self.data,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> LiveEvent:
        body = json.loads(raw)
        return cls(
            type=str(body["type"]),
            workspace_id=str(body["workspace_id"]),
            conversation_id=body.get("conversation_id"),
            data=dict(body.get("data") or {}),
        )
