"""``/api/v1/widget/ws`` (docs/widget.md, section 5): the frame's one socket. Authenticate with
the subprotocols ``["ccgpt.bearer", <frame token>]``; the first frame is
``{"type": "hello", "visitor_token", "conversation_id"}``; then ``message`` and ``typing``
frames. The server sends the chat events of each turn and, concurrently, the live events of
the visitor's current conversation as they arrive. Every client frame after the hello counts
against the widget key's per-visitor rate limit."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from starlette.concurrency import run_in_threadpool

from customercare.answers import service as answers
from customercare.db.engine import transaction
from customercare.deps import resolve_principal
from customercare.errors import AppError, AuthenticationError, NotFoundError, PermissionDenied
from customercare.http_edge.client_ip import client_ip
from customercare.limits.service import enforce_principal
from customercare.runtime import Runtime
from customercare.tenancy.service import Permission, Principal
from customercare.widget import service as widget
from customercare.widget.router import begin_turn

router = APIRouter(prefix="/api/v1/widget", tags=["widget"])


class Hello(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str = Field(pattern="^hello$")
    visitor_token: str = Field(min_length=1, max_length=200)
    conversation_id: str | None = Field(default=None, max_length=64)


class Said(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    conversation_id: str | None = Field(default=None, max_length=64)


class Typing(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str
    conversation_id: str = Field(min_length=1, max_length=64)


@dataclass
class _Socket:
    websocket: WebSocket
    runtime: Runtime
    principal: Principal
    visitor_token: str
    conversation_id: str | None
    lock: anyio.Lock
    watcher: asyncio.Task[None] | None = None

    async def send(self, payload: dict[str, Any]) -> None:
        async with self.lock:
            await self.websocket.send_json(payload)

    def watch(self, conversation_id: str | None) -> None:
        """Forward the live events of ``conversation_id`` (the current one) from now on."""
        if conversation_id == self.conversation_id and self.watcher is not None:
            return
        self.stop_watching()
        self.conversation_id = conversation_id
        if conversation_id is not None:
            self.watcher = asyncio.create_task(self._forward(conversation_id))

    def stop_watching(self) -> None:
        if self.watcher is not None:
            self.watcher.cancel()
            self.watcher = None

    async def _forward(self, conversation_id: str) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            async for event in widget.conversation_events(self.runtime.live, conversation_id):
                if event is not None:
                    await self.send(event.as_dict())


def _error(error: AppError) -> dict[str, Any]:
    return {"type": "error", **error.to_body()}


def _invalid(message: str, error: ValidationError | None = None) -> dict[str, Any]:
    errors = [
        {"loc": list(item["loc"]), "msg": item["msg"], "type": item["type"]}
        for item in (error.errors(include_url=False) if error else [])
    ]
    body = {"code": "invalid_request", "message": message, "details": {"errors": errors}}
    return {"type": "error", "error": body}


async def _receive(websocket: WebSocket) -> Any:
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    raw = message.get("text")
    try:
        return json.loads(raw if raw is not None else message.get("bytes") or b"")
    except ValueError:
        return None


async def _close(websocket: WebSocket, error: AppError) -> None:
    await websocket.send_json(error.to_body())
    await websocket.close(code=4000 + error.status_code)


@router.websocket("/ws")
async def widget_socket(websocket: WebSocket) -> None:
    runtime: Runtime = websocket.app.state.runtime
    credential = answers.socket_credential(websocket)
    await websocket.accept(subprotocol=credential.subprotocol)
    try:
        principal = await run_in_threadpool(_authenticate, runtime, websocket, credential.secret)
        hello = await _hello(runtime, websocket, principal)
    except (AuthenticationError, PermissionDenied, NotFoundError) as error:
        await _close(websocket, error)
        return
    except WebSocketDisconnect:
        return
    socket = _Socket(websocket, runtime, principal, hello.visitor_token, None, anyio.Lock())
    socket.watch(hello.conversation_id)
    await socket.send({"type": "ready", "conversation_id": hello.conversation_id})
    try:
        while True:
            await _one_frame(socket, await _receive(websocket))
    except WebSocketDisconnect:
        return
    finally:
        socket.stop_watching()


def _authenticate(runtime: Runtime, websocket: WebSocket, secret: str | None) -> Principal:
    principal = resolve_principal(
        runtime,
        secret=secret,
        workspace_header=None,
        origin=websocket.headers.get("origin"),
        host=websocket.headers.get("host"),
    )
    if not principal.can(Permission.chat):
        raise PermissionDenied("this credential does not allow chat")
    return principal


async def _hello(runtime: Runtime, websocket: WebSocket, principal: Principal) -> Hello:
    """The first frame names the visitor (and, optionally, the conversation it shows)."""
    try:
        hello = Hello.model_validate(await _receive(websocket))
    except ValidationError as error:
        raise AuthenticationError("the first frame must be a hello with a visitor_token") from error

    def check() -> str | None:
        with transaction(runtime.sessions) as session:
            visitor = widget.get_visitor_by_token_or_raise(
                session, workspace_id=principal.workspace_id, token=hello.visitor_token
            )
            return widget.chat_conversation_id(
                session, visitor=visitor, conversation_id=hello.conversation_id
            )

    current = await run_in_threadpool(check)
    return hello.model_copy(update={"conversation_id": current})


async def _one_frame(socket: _Socket, payload: Any) -> None:
    websocket, runtime, principal = socket.websocket, socket.runtime, socket.principal
    try:
        await run_in_threadpool(
            enforce_principal,
            websocket,
            runtime.counters,
            runtime.settings,
            principal,
            ip=client_ip(websocket),
        )
    except AppError as error:
        await socket.send(_error(error))
        return
    kind = payload.get("type") if isinstance(payload, dict) else None
    try:
        if kind == "message":
            await _turn(socket, Said.model_validate(payload))
        elif kind == "typing":
            typing = Typing.model_validate(payload)
            await run_in_threadpool(_typing, socket, typing.conversation_id)
        else:
            await socket.send(_invalid("expected a message or typing frame"))
    except ValidationError as error:
        await socket.send(_invalid("the frame is not valid", error))
    except AppError as error:
        await socket.send(_error(error))


def _typing(socket: _Socket, conversation_id: str) -> None:
    with transaction(socket.runtime.sessions) as session:
        visitor = widget.get_visitor_by_token_or_raise(
            session, workspace_id=socket.principal.workspace_id, token=socket.visitor_token
        )
        widget.visitor_typing(
            session, bus=socket.runtime.live, visitor=visitor, conversation_id=conversation_id
        )


async def _turn(socket: _Socket, said: Said) -> None:
    turn = await run_in_threadpool(
        begin_turn,
        socket.runtime,
        socket.principal,
        socket.visitor_token,
        message=said.message,
        conversation_id=said.conversation_id or socket.conversation_id,
    )
    # The conversation is current now: its live events (an agent's reply) come here too.
    socket.watch(turn.conversation_id)
    async for event in answers.relay(answers.reply(socket.runtime, turn)):
        await socket.send(event.as_dict())
