"""The answers domain's face for other domains' routers (the widget's): one chat turn
(``start_turn`` stores the question, ``reply`` streams the answer's events), the relays that
carry a reply over SSE or a socket, and the chat request's schema."""

from __future__ import annotations

from customercare.answers.engine import AnswerContext, ReplyStream, TurnContext, reply, start_turn
from customercare.answers.events import ChatEvent
from customercare.answers.schemas import ChatRequest
from customercare.answers.socket_auth import SUBPROTOCOL, SocketCredential, socket_credential
from customercare.answers.streaming import as_sse, relay

__all__ = [
    "SUBPROTOCOL",
    "AnswerContext",
    "ChatEvent",
    "ChatRequest",
    "ReplyStream",
    "SocketCredential",
    "TurnContext",
    "as_sse",
    "relay",
    "reply",
    "socket_credential",
    "start_turn",
]
