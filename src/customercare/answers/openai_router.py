"""An OpenAI-compatible ``/v1/chat/completions`` over a workspace's bot, so any OpenAI client
library or chat UI can talk to it with a workspace API key as its key.

The client sends the whole conversation each time (the protocol is stateless): earlier
messages shape a follow-up's retrieval, and each call is stored as its own conversation.
Answers carry two extension fields, ``citations`` and ``decision``. When the engine replaces
streamed text (a provider failing mid-stream, a guardrail), the stream ends with one more
chunk holding the corrected answer after a blank line, marked ``"ccgpt_replace": true``."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from customercare.answers import engine
from customercare.answers.providers import Turn
from customercare.answers.router import SSE_HEADERS
from customercare.answers.streaming import relay
from customercare.answers.usage import usage
from customercare.deps import ChatAccess, RuntimeDep
from customercare.errors import ValidationFailed

router = APIRouter(prefix="/v1", tags=["openai-compatible"])
MODEL_ID = "customercare"


class OpenAIMessage(BaseModel):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(part.get("text", "")) for part in self.content)
        return self.content or ""


class StreamOptions(BaseModel):
    include_usage: bool = False


class CompletionRequest(BaseModel):
    model: str = MODEL_ID
    messages: list[OpenAIMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    stream_options: StreamOptions | None = None
    user: str | None = Field(default=None, max_length=128)


@router.get("/models")
def list_models(workspace: ChatAccess) -> dict[str, Any]:
    del workspace  # authenticated, nothing per workspace to list
    return {
        "object": "list",
        "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "customercare"}],
    }


@router.post("/chat/completions")
def chat_completions(body: CompletionRequest, runtime: RuntimeDep, workspace: ChatAccess) -> Any:
    # System messages are the caller's; the bot's own rules are not replaceable from outside.
    turns = [m for m in body.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user" or not turns[-1].text().strip():
        raise ValidationFailed("the last message must be a non-empty user message")
    history = [
        Turn(role="user" if m.role == "user" else "assistant", content=m.text()) for m in turns[:-1]
    ]
    turn = engine.start_turn(
        runtime,
        workspace_id=workspace.workspace_id,
        message=turns[-1].text()[:4000],
        channel="openai",
        visitor_id=body.user,
        history=history[-runtime.settings.answer_history_turns :],
    )
    events = engine.reply(runtime, turn)
    created = int(time.time())
    # Usage counts what the caller sent (every message's text) and the answer: answers/usage.py.
    prompt = [m.text() for m in body.messages]
    if body.stream:
        options = body.stream_options
        counted = prompt if options is not None and options.include_usage else None
        return StreamingResponse(
            _chunks(events, model=body.model, created=created, prompt=counted),
            media_type="text/event-stream",
            headers=SSE_HEADERS,
        )
    collected = events.collect()
    done = collected["done"]
    return {
        "id": f"chatcmpl-{done['message_id']}",
        "object": "chat.completion",
        "created": created,
        "model": body.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": done["answer"]},
                "finish_reason": "stop",
            }
        ],
        "usage": usage(prompt, done["answer"]),
        "citations": collected["citations"]["citations"],
        "decision": collected["decision"]["decision"],
        "conversation_id": done["conversation_id"],
    }


async def _chunks(
    events: engine.ReplyStream, *, model: str, created: int, prompt: list[str] | None
) -> AsyncIterator[str]:
    """With ``prompt`` (``stream_options.include_usage``), a last chunk with no choices
    carries the usage, as OpenAI's API sends it."""
    chunk_id = "chatcmpl-pending"
    role_sent = False
    extra: dict[str, Any] = {}
    async for event in relay(events):
        if event.type == "conversation":
            chunk_id = f"chatcmpl-{event.data['user_message_id']}"
        elif event.type in ("token", "replace"):
            delta: dict[str, Any] = {"content": event.data["text"]}
            if event.type == "replace":
                delta["content"] = "\n\n" + event.data["text"]
            if not role_sent:
                delta["role"] = "assistant"
                role_sent = True
            marker = {"ccgpt_replace": True} if event.type == "replace" else {}
            yield _sse(_chunk(chunk_id, model, created, delta, None, marker))
        elif event.type == "citations":
            extra["citations"] = event.data["citations"]
        elif event.type == "decision":
            extra["decision"] = event.data["decision"]
        elif event.type == "error":
            yield _sse({"error": event.data["error"]})
        elif event.type == "done":
            yield _sse(_chunk(chunk_id, model, created, {}, "stop", extra))
            if prompt is not None:
                last = _chunk(chunk_id, model, created, {}, None, {})
                yield _sse(last | {"choices": [], "usage": usage(prompt, event.data["answer"])})
    yield "data: [DONE]\n\n"


def _chunk(
    chunk_id: str,
    model: str,
    created: int,
    delta: dict[str, Any],
    finish_reason: str | None,
    extra: dict[str, Any],
) -> dict[str, Any]:
    return {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        **extra,
    }


def _sse(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n"
