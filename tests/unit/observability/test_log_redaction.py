"""Credentials in log lines become ``[redacted]``: query parameters, headers, API keys and JWTs,
in the message or in its arguments (uvicorn's access and WebSocket lines log the path as an
argument), while everything else in the line is kept."""

from __future__ import annotations

import logging
import logging.config

import pytest

from customercare.observability.redaction import (
    RedactingFilter,
    redact,
    redact_event,
    uvicorn_log_config,
)

API_KEY = "ccgpt_0a1b2c3d_" + "Zx9" * 14  # pragma: allowlist secret
WIDGET_KEY = "ccgpt_pk_0a1b2c3d_" + "Qw8" * 14  # pragma: allowlist secret
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLXBhcnQ"  # pragma: allowlist secret


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            f"/api/v1/chat/ws?key={API_KEY}&workspace=ws-1",
            "/api/v1/chat/ws?key=[redacted]&workspace=ws-1",
        ),
        (f"/x?workspace=ws-1&key={JWT}", "/x?workspace=ws-1&key=[redacted]"),
        ("/x?token=opaque-1&limit=5", "/x?token=[redacted]&limit=5"),
        ("/x?access_token=abc&api_key=def", "/x?access_token=[redacted]&api_key=[redacted]"),
        ("/x?password=hunter2 HTTP/1.1", "/x?password=[redacted] HTTP/1.1"),
        (
            "/x?refresh_token=r1&client_secret=s2",
            "/x?refresh_token=[redacted]&client_secret=[redacted]",
        ),
        ("/x?monkey=1&keyboard=2&offset=3", "/x?monkey=1&keyboard=2&offset=3"),
        (f"opaque {WIDGET_KEY} text", "opaque [redacted] text"),
        (f"a JWT {JWT}.", "a JWT [redacted]."),
        ("Authorization: Bearer opaque-token", "Authorization: [redacted]"),
        ("(b'x-api-key', b'some-key')", "(b'x-api-key', b'[redacted]')"),
        (
            "(b'sec-websocket-protocol', b'ccgpt.bearer, tok')",
            "(b'sec-websocket-protocol', b'[redacted]')",
        ),
        ("sent with bearer abc.def", "sent with bearer [redacted]"),
        ("GET /api/v1/documents?limit=5 HTTP/1.1", "GET /api/v1/documents?limit=5 HTTP/1.1"),
    ],
)
def test_redact(line: str, expected: str) -> None:
    assert redact(line) == expected


def record(msg: str, args: tuple[object, ...]) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, msg, args, None)


def test_the_filter_redacts_arguments_and_keeps_their_shape() -> None:
    # uvicorn's AccessFormatter unpacks exactly these five arguments.
    access = record(
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/api/v1/documents?key={API_KEY}", "1.1", 200),
    )
    assert RedactingFilter().filter(access) is True
    assert access.args == ("127.0.0.1:5000", "GET", "/api/v1/documents?key=[redacted]", "1.1", 200)
    assert access.getMessage() == (
        '127.0.0.1:5000 - "GET /api/v1/documents?key=[redacted] HTTP/1.1" 200'
    )
    socket = record('%s - "WebSocket %s" [accepted]', ("127.0.0.1:5001", f"/ws?key={JWT}"))
    RedactingFilter().filter(socket)
    assert JWT not in socket.getMessage()
    scope = {"headers": [(b"authorization", f"Bearer {JWT}".encode())]}
    trace = record("ASGI [1] Started scope=%s", (scope,))
    RedactingFilter().filter(trace)
    assert JWT not in trace.getMessage()
    assert "[redacted]" in trace.getMessage()
    plain = record("nothing %s here %r", ("secret-free", {"a": 1}))
    RedactingFilter().filter(plain)
    assert plain.args == ("secret-free", {"a": 1})


def test_uvicorn_handlers_carry_the_filter_and_uvicorn_still_configures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = uvicorn_log_config()
    assert set(config["handlers"]) >= {"default", "access"}
    assert all("redact_credentials" in h["filters"] for h in config["handlers"].values())
    logging.config.dictConfig(config)
    try:
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET", f"/x?key={API_KEY}", "1.1", 200
        )
        logging.getLogger("uvicorn.error").info(
            '%s - "WebSocket %s" [accepted]', "127.0.0.1:2", f"/ws?key={JWT}&workspace=w"
        )
    finally:
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logger = logging.getLogger(name)
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.propagate = True
    out = capsys.readouterr()
    logged = out.out + out.err
    assert "key=[redacted]" in logged
    assert "key=[redacted]&workspace=w" in logged
    assert API_KEY not in logged
    assert JWT not in logged


def test_structlog_events_are_redacted() -> None:
    event = redact_event(None, "info", {"event": "request", "url": f"/x?key={API_KEY}", "n": 3})
    assert event == {"event": "request", "url": "/x?key=[redacted]", "n": 3}
