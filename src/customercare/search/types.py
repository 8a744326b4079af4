"""The one chunk type every retrieval stage shares."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ChunkDraft:
    """A passage cut from a document, before it has an id or belongs to a workspace."""

    text: str
    position: int
    heading: str | None = None
    page: int | None = None


@dataclass(frozen=True, slots=True)
class Chunk:
    id: str
    workspace_id: str
    document_id: str
    version: int
    position: int
    text: str
    title: str
    heading: str | None = None
    page: int | None = None
    source_url: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)


def indexing_text(*, title: str, heading: str | None, text: str) -> str:
    """What the keyword index and the embedder see: the passage with its title and heading,
    so a passage that never repeats its topic is still found by it."""
    parts = [title]
    if heading and heading != title:
        parts.append(heading)
    parts.append(text)
    return "\n".join(parts)
