"""[n] markers in an answer and the structured citations that match them."""

from __future__ import annotations

import re
from typing import Any

from customercare.answers.providers.base import Passage

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
SNIPPET_CHARS = 240


def cited_numbers(text: str) -> list[int]:
    """Marker numbers in order of first appearance."""
    seen: list[int] = []
    for match in _MARKER.finditer(text):
        for part in match.group(1).split(","):
            number = int(part)
            if number not in seen:
                seen.append(number)
    return seen


def drop_unknown_markers(text: str, *, known: set[int]) -> str:
    """Remove markers that point at no passage, so every marker left has its citation."""

    def keep(match: re.Match[str]) -> str:
        numbers = [part.strip() for part in match.group(1).split(",")]
        valid = [number for number in numbers if int(number) in known]
        return f"[{', '.join(valid)}]" if valid else ""

    return re.sub(r"\s+([.,;:!?])", r"\1", _MARKER.sub(keep, text)).strip()


def citations_for(text: str, passages: list[Passage]) -> list[dict[str, Any]]:
    by_number = {passage.number: passage for passage in passages}
    return [to_citation(by_number[n]) for n in cited_numbers(text) if n in by_number]


def to_citation(passage: Passage) -> dict[str, Any]:
    chunk = passage.chunk
    snippet = " ".join(chunk.text.split())
    if len(snippet) > SNIPPET_CHARS:
        snippet = snippet[: SNIPPET_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return {
        "number": passage.number,
        "document_id": chunk.document_id,
        "chunk_id": chunk.id,
        "title": chunk.title,
        "section": chunk.heading,
        "page": chunk.page,
        "url": chunk.source_url,
        "snippet": snippet,
    }
