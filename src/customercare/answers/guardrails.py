"""Passage text is data, never instructions. These checks keep a document from steering the
bot: sentences that address the assistant are dropped before generation, and an answer is
cleaned of images, foreign links and anything that echoes the system prompt."""

from __future__ import annotations

import re

_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(?:instructions?|rules|prompt|above|previous)\b"
    r"|\bsystem\s+(?:prompt|note|message|instruction)s?\b"
    r"|\b(?:reveal|print|repeat|show)\b[^.!?\n]{0,30}\b(?:prompt|instructions)\b"
    r"|\byou\s+are\s+now\b"
    r"|\b(?:respond|reply|answer)\s+only\s+with\b"
    r"|\bnew\s+instructions?\b"
    r"|\bjailbreak\b|\bDAN\b"
    r"|^\s*(?:assistant|system|ai|chatbot|bot)\s*:"
    r"|<\s*/?\s*(?:system|passage|passages|instructions?)\b"
    r"|\b(?:append|add|include|insert)\b[^.!?\n]{0,40}\bto\s+(?:every|each|all|your)\s+(?:answer|response|reply|message)s?\b",
    re.IGNORECASE | re.MULTILINE,
)
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)[^)]*\)")
_URL = re.compile(r"https?://[^\s<>()\"']+", re.IGNORECASE)
_SHINGLE_WORDS = 8


def is_instruction_like(text: str) -> bool:
    return bool(_INSTRUCTION.search(text))


def urls_in(text: str) -> set[str]:
    return {url.rstrip(".,;:!?") for url in _URL.findall(text)}


def strip_foreign_links(text: str, allowed_urls: set[str]) -> str:
    cleaned = _MARKDOWN_IMAGE.sub("", text)
    cleaned = _MARKDOWN_LINK.sub(
        lambda match: match.group(0) if match.group(2) in allowed_urls else match.group(1),
        cleaned,
    )
    return _URL.sub(
        lambda match: match.group(0) if match.group(0).rstrip(".,;:!?") in allowed_urls else "",
        cleaned,
    )


class StreamCleaner:
    """Cleans generated text while it streams: text is released a sentence at a time, after
    its images and foreign links are removed, and nothing more is released once a sentence
    echoes the system prompt (``leaked``). What was released is exactly what the customer saw."""

    def __init__(self, *, allowed_urls: set[str], system_prompt: str) -> None:
        self.allowed_urls = allowed_urls
        self.system_prompt = system_prompt
        self.leaked = False
        self._pending = ""

    def feed(self, delta: str) -> str:
        self._pending += delta
        cut = _last_boundary(self._pending)
        if cut <= 0:
            return ""
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        return self._release(ready)

    def flush(self) -> str:
        ready, self._pending = self._pending, ""
        return self._release(ready)

    def _release(self, text: str) -> str:
        if self.leaked or echoes(text, self.system_prompt):
            self.leaked = True
            return ""
        return strip_foreign_links(text, self.allowed_urls)


_BOUNDARY = re.compile(r"[.!?]\s+|\n")


def _last_boundary(text: str) -> int:
    """Where the last complete sentence ends, unless a link or image is still open there."""
    ends = [match.end() for match in _BOUNDARY.finditer(text)]
    for end in reversed(ends):
        head = text[:end]
        if head.count("[") == head.count("]") and head.count("(") == head.count(")"):
            return end
    return 0


def echoes(text: str, source: str) -> bool:
    """True when ``text`` repeats any run of eight consecutive words of ``source``."""
    source_words = _words(source)
    if len(source_words) < _SHINGLE_WORDS:
        return False
    shingles = {
        tuple(source_words[i : i + _SHINGLE_WORDS])
        for i in range(len(source_words) - _SHINGLE_WORDS + 1)
    }
    words = _words(text)
    return any(
        tuple(words[i : i + _SHINGLE_WORDS]) in shingles
        for i in range(len(words) - _SHINGLE_WORDS + 1)
    )


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())
