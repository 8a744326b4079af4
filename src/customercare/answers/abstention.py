"""The model's own "the passages do not say": the system prompt asks for a fixed reply,
``NOT_IN_PASSAGES``, when the retrieved passages do not hold the answer. Retrieval evidence
cannot tell a covered topic from an uncovered fact on that topic ("who is your CEO" next to
the company profile); a model that reads the passages can, and this is how it says so.

The sentinel must never reach the customer, so the start of a streamed reply is held back
until it is clear whether it is the sentinel."""

from __future__ import annotations

NOT_IN_PASSAGES = "NOT_IN_PASSAGES"
# Models sometimes wrap a bare keyword in Markdown or quotes.
_WRAPPING = "*_`\"' \t\r\n"


class AbstentionWatch:
    """Feed it the streamed deltas; it returns what may be passed on, holding back a start
    that may still become the sentinel. ``abstained`` is set once the reply begins with it,
    and nothing after that is passed on."""

    def __init__(self) -> None:
        self.abstained = False
        self._held = ""
        self._decided = False

    def feed(self, delta: str) -> str:
        if self._decided:
            return "" if self.abstained else delta
        self._held += delta
        start = self._held.lstrip(_WRAPPING)
        if start.startswith(NOT_IN_PASSAGES):
            self.abstained = self._decided = True
            self._held = ""
            return ""
        if NOT_IN_PASSAGES.startswith(start):
            return ""
        return self._release()

    def flush(self) -> str:
        """The end of the stream: whatever is still held was not the sentinel."""
        return "" if self._decided else self._release()

    def _release(self) -> str:
        self._decided = True
        released, self._held = self._held, ""
        return released
