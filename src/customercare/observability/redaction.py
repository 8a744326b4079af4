"""Credentials never reach a log line: one filter for every stdlib handler (uvicorn's access and
error logs included) and one structlog processor, both built on :func:`redact`.

Why: uvicorn logs each request's path with its query string (``GET /x?key=...``) and each
WebSocket handshake (``"WebSocket /api/v1/chat/ws?key=ccgpt_..." [accepted]``), and ``?key=``
is a documented way to authenticate the chat WebSocket. At trace level it also logs the ASGI
scope, headers included."""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Mapping, MutableMapping
from typing import Any

from uvicorn.config import LOGGING_CONFIG

__all__ = [
    "REDACTED",
    "RedactingFilter",
    "install_redaction",
    "redact",
    "redact_event",
    "uvicorn_log_config",
]

REDACTED = "[redacted]"

# Query-string or form parameters whose value is a credential: key, token, access_token,
# api_key, password, client_secret, ... (a bare name, or one ending in ``_name``/``-name``).
_SECRET_PARAMETER = re.compile(
    r"(?i)(?<=[?&;])((?:[\w.~%-]*[_-])?"
    r"(?:key|apikey|token|password|passwd|pwd|secret|signature|auth|authorization|"
    r"credentials?))=([^&;#\s\"'<>]*)"
)
# Headers that carry credentials, as text (``Authorization: Bearer x``) or in an ASGI scope dump
# (``(b'authorization', b'Bearer x')``).
_SECRET_HEADER = re.compile(
    r"(?i)\b(authorization|proxy-authorization|x-api-key|cookie|set-cookie|"
    r"sec-websocket-protocol)(['\"]?\s*[:,=]\s*(?-i:b)?['\"]?)([^'\"\r\n]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
# A workspace API key (``ccgpt_<prefix>_<secret>``, ``ccgpt_pk_...``) and a JWT, wherever they are.
_API_KEY = re.compile(r"\bccgpt_(?:pk_)?[0-9a-f]{8}_[A-Za-z0-9_-]{16,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def redact(text: str) -> str:
    """``text`` with every credential it contains replaced by ``[redacted]``."""
    text = _API_KEY.sub(REDACTED, text)
    text = _JWT.sub(REDACTED, text)
    text = _SECRET_PARAMETER.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _SECRET_HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
        cleaned = redact(text)
        return value if cleaned == text else cleaned.encode()
    # An ASGI scope, a tuple of headers...: keep the object unless its text holds a secret.
    text = str(value)
    cleaned = redact(text)
    return value if cleaned == text else cleaned


class RedactingFilter(logging.Filter):
    """Rewrites a record's message and arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_value(arg) for arg in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {name: _redact_value(arg) for name, arg in record.args.items()}
        return True


def install_redaction(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of ``logger`` (the root logger by default), once."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration with the filter on each of its handlers, so the
    access log (``uvicorn.access``) and the WebSocket lines (``uvicorn.error``) are redacted in
    every worker process."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_credentials"] = {"()": f"{__name__}.RedactingFilter"}
    for handler in config.get("handlers", {}).values():
        handler["filters"] = [*handler.get("filters", []), "redact_credentials"]
    return config


def redact_event(_: Any, __: str, event: MutableMapping[str, Any]) -> dict[str, Any]:
    """structlog processor: the same redaction for structured log events."""
    return {name: _redact_value(value) for name, value in event.items()}
