"""Real HTTP receivers on loopback for the status notifiers: a Slack incoming webhook and
GitHub's REST endpoints for issues (create, comment, close). Each keeps what it received and
can be told to fail its first requests (HTTP 500) to exercise retries."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.loopback import LoopbackService


class _Receiver(LoopbackService):
    def __init__(self, *, fail_first: int = 0) -> None:
        super().__init__()
        self.fail_first = fail_first
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        self.lock = threading.Lock()

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        raise NotImplementedError

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                with receiver.lock:
                    receiver.requests.append(
                        (self.command, self.path, dict(self.headers.items()), body)
                    )
                    failing = receiver.fail_first > 0
                    if failing:
                        receiver.fail_first -= 1
                if failing:
                    status, reply = 500, {"message": "try again"}
                else:
                    status, reply = receiver.answer(self.command, self.path, body)
                data = reply.encode() if isinstance(reply, str) else json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_PATCH = _handle  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:
                return None

        return Handler


class SlackReceiver(_Receiver):
    """An incoming webhook: POST JSON with "text", answered ``200 ok``."""

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if method != "POST" or not isinstance(body, dict) or "text" not in body:
            return 400, "invalid_payload"
        return 200, "ok"

    @property
    def texts(self) -> list[str]:
        with self.lock:
            return [body["text"] for method, _, _, body in self.requests if method == "POST"]


ISSUES = re.compile(
    r"^/repos/(?P<repo>[^/]+/[^/]+)/issues(?:/(?P<number>\d+)(?P<comments>/comments)?)?$"
)


class GitHubReceiver(_Receiver):
    """``POST /repos/{o}/{r}/issues``, ``POST .../issues/{n}/comments`` and
    ``PATCH .../issues/{n}`` as GitHub answers them; needs a bearer token."""

    def __init__(self, *, token: str, fail_first: int = 0) -> None:
        super().__init__(fail_first=fail_first)
        self.token = token
        self.issues: dict[int, dict[str, Any]] = {}

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        headers = self.requests[-1][2]
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"message": "Bad credentials"}
        match = ISSUES.match(path)
        if match is None:
            return 404, {"message": "Not Found"}
        if method == "POST" and match["number"] is None:
            number = len(self.issues) + 1
            self.issues[number] = {
                "number": number,
                "title": body["title"],
                "body": body.get("body", ""),
                "labels": body.get("labels", []),
                "state": "open",
                "comments": [],
            }
            return 201, {"number": number, "state": "open"}
        issue = self.issues.get(int(match["number"] or 0))
        if issue is None:
            return 404, {"message": "Not Found"}
        if method == "POST" and match["comments"]:
            issue["comments"].append(body["body"])
            return 201, {"id": len(issue["comments"]), "body": body["body"]}
        if method == "PATCH" and not match["comments"]:
            issue.update({key: body[key] for key in ("state", "state_reason") if key in body})
            return 200, {"number": issue["number"], "state": issue["state"]}
        return 404, {"message": "Not Found"}
