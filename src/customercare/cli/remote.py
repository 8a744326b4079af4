"""``ccgpt ask`` and ``ccgpt chat`` through a running server's HTTP API.

With ``CCGPT_API_URL`` (the server's base URL) and ``CCGPT_API_KEY`` (a workspace key allowed
to chat) the command only sends the question to ``POST /api/v1/chat``: the server has the
model loaded and the database open, so nothing heavy is imported or loaded here and the
answer comes in the time the server takes to answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from customercare.cli.context import fail, settings


@dataclass(frozen=True)
class RemoteBot:
    url: str
    key: str

    def turn(self, question: str, conversation_id: str | None) -> dict[str, Any]:
        import httpx

        body: dict[str, Any] = {"message": question, "channel": "cli"}
        if conversation_id:
            body["conversation_id"] = conversation_id
        endpoint = f"{self.url.rstrip('/')}/api/v1/chat"
        try:
            response = httpx.post(
                endpoint,
                json=body,
                headers={"Authorization": f"Bearer {self.key}"},
                timeout=120,
            )
        except httpx.TransportError as error:
            raise fail(f"cannot reach the server at {self.url} (CCGPT_API_URL): {error}") from error
        if response.status_code != 200:
            raise fail(f"the server answered {response.status_code}: {_message(response)}")
        reply: dict[str, Any] = response.json()
        return reply


def remote_bot() -> RemoteBot | None:
    """The server named by CCGPT_API_URL, or None to answer in this process."""
    current = settings()
    if not current.api_url:
        return None
    if current.api_key is None:
        raise fail("CCGPT_API_URL is set but CCGPT_API_KEY is not: give a workspace API key")
    return RemoteBot(url=current.api_url, key=current.api_key.get_secret_value())


def _message(response: Any) -> str:
    try:
        return str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return str(response.text[:200])
