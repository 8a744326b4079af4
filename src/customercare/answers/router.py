"""``POST /api/v1/chat`` (JSON or Server-Sent Events) and ``/api/v1/chat/ws`` (WebSocket)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from customercare.answers import engine
from customercare.answers.schemas import ChatRequest, ChatResponse
from customercare.answers.socket_auth import socket_credential
from customercare.answers.streaming import as_sse, relay
from customercare.deps import ChatAccess, RuntimeDep, resolve_principal
from customercare.errors import (
    AppError,
    AuthenticationError,
    NotFoundError,
    PermissionDenied,
    RateLimited,
)
from customercare.http_edge.client_ip import client_ip
from customercare.limits.service import enforce_principal
from customercare.runtime import Runtime
from customercare.tenancy.service import Permission, Principal

router = APIRouter(prefix="/api/v1/chat", tags=["chat"])

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


# With ``"stream": true`` or ``Accept: text/event-stream`` the answer is Server-Sent Events.
SSE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The answer as JSON, or as Server-Sent Events when streaming",
        "content": {
            "text/event-stream": {
                # One schema per event: ``event: <type>`` then ``data: <JSON object>``.
                "schema": {
                    "type": "object",
                    "properties": {
                        "event": {
                            "type": "string",
                            "enum": [
                                "conversation",
                                "token",
                                "replace",
                                "citations",
                                "decision",
                                "done",
                                "error",
                            ],
                        },
                        "data": {"type": "string", "contentMediaType": "application/json"},
                    },
                    "required": ["event", "data"],
                }
            }
        },
    }
}


@router.post("", response_model=ChatResponse, responses=SSE_RESPONSE)
def chat(body: ChatRequest, request: Request, runtime: RuntimeDep, workspace: ChatAccess) -> Any:
    turn = engine.start_turn(
        runtime,
        workspace_id=workspace.workspace_id,
        message=body.message,
        conversation_id=body.conversation_id,
        channel=body.channel,
        visitor_id=body.visitor_id,
        contact_email=body.contact_email,
    )
    events = engine.reply(runtime, turn)
    if body.stream or "text/event-stream" in request.headers.get("accept", ""):
        return StreamingResponse(
            as_sse(events), media_type="text/event-stream", headers=SSE_HEADERS
        )
    return ChatResponse.from_events(events.collect())


@router.websocket("/ws")
async def chat_socket(websocket: WebSocket) -> None:
    """One socket, many turns. Authenticate with the subprotocols ``["ccgpt.bearer", <key>]``
    (keeps the secret out of URLs and logs), ``?key=`` or an ``Authorization`` header; send
    ``{"message": ...}``, receive the events."""
    runtime: Runtime = websocket.app.state.runtime
    credential = socket_credential(websocket)
    await websocket.accept(subprotocol=credential.subprotocol)
    try:
        principal = await _authenticate(runtime, websocket, credential.secret)
    except (AuthenticationError, PermissionDenied, NotFoundError) as error:
        # 4401/4403/4404: the HTTP status in the application range of close codes.
        await websocket.send_json(error.to_body())
        await websocket.close(code=4000 + error.status_code)
        return
    try:
        while True:
            payload = await _receive_json(websocket)
            try:
                # Each message counts against the key's (or widget key's) rate limit.
                await run_in_threadpool(
                    enforce_principal,
                    websocket,
                    runtime.counters,
                    runtime.settings,
                    principal,
                    ip=client_ip(websocket),
                )
            except RateLimited as error:
                await websocket.send_json({"type": "error", **error.to_body()})
                continue
            await _one_turn(runtime, websocket, principal.workspace_id, payload)
    except WebSocketDisconnect:
        return


_NOT_JSON = object()


async def _receive_json(websocket: WebSocket) -> Any:
    """The next frame parsed as JSON, or ``_NOT_JSON``: a bad frame must not end the socket."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    raw = message.get("text")
    try:
        return json.loads(raw if raw is not None else message.get("bytes") or b"")
    except ValueError:  # not JSON, or bytes that are not UTF-8
        return _NOT_JSON


async def _authenticate(runtime: Runtime, websocket: WebSocket, secret: str | None) -> Principal:
    """A credential allowed to chat (a widget key only from an allowed origin)."""

    def lookup() -> Principal:
        principal = resolve_principal(
            runtime,
            secret=secret or None,
            workspace_header=websocket.query_params.get("workspace")
            or websocket.headers.get("x-workspace-id"),
            origin=websocket.headers.get("origin"),
            host=websocket.headers.get("host"),
        )
        if not principal.can(Permission.chat):
            raise PermissionDenied("this credential does not allow chat")
        return principal

    return await run_in_threadpool(lookup)


async def _one_turn(
    runtime: Runtime, websocket: WebSocket, workspace_id: str, payload: Any
) -> None:
    if payload is _NOT_JSON:
        await _send_invalid(websocket, "the message is not valid JSON", [])
        return
    try:
        body = ChatRequest.model_validate(payload)
    except ValidationError as error:
        # The same shape as the HTTP 422 body (a raw error's context may not be JSON-able).
        errors = [
            {"loc": list(item["loc"]), "msg": item["msg"], "type": item["type"]}
            for item in error.errors(include_url=False)
        ]
        await _send_invalid(websocket, "the message is not valid", errors)
        return
    try:
        turn = await run_in_threadpool(
            engine.start_turn,
            runtime,
            workspace_id=workspace_id,
            message=body.message,
            conversation_id=body.conversation_id,
            channel="widget",
            visitor_id=body.visitor_id,
            contact_email=body.contact_email,
        )
    except AppError as error:
        await websocket.send_json({"type": "error", **error.to_body()})
        return
    async for event in relay(engine.reply(runtime, turn)):
        await websocket.send_json(event.as_dict())


async def _send_invalid(websocket: WebSocket, message: str, errors: list[dict[str, Any]]) -> None:
    error = {"code": "invalid_request", "message": message, "details": {"errors": errors}}
    await websocket.send_json({"type": "error", "error": error})
