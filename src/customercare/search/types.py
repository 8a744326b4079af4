"""The one chunk type every retrieval stage shares, and where chunks are read from."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session


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


class PassageStore(Protocol):
    """Where search reads passages and their documents: knowledge owns the chunk and document
    tables and implements this (``knowledge.service.PASSAGES``), so search never imports it."""

    def document_ids_matching(
        self,
        session: Session,
        *,
        workspace_id: str,
        document_ids: Collection[str] | None,
        tags: Collection[str] | None,
    ) -> set[str] | None:
        """The documents a search may draw from, or None for "all of the workspace"."""
        ...

    def indexed_chunk_ids(
        self, session: Session, *, workspace_id: str, chunk_ids: Collection[str]
    ) -> set[str]:
        """The ids among ``chunk_ids`` that belong to their document's indexed version."""
        ...

    def load_chunks(
        self, session: Session, *, workspace_id: str, chunk_ids: Collection[str]
    ) -> dict[str, Chunk]:
        """Chunks of indexed versions only, with their citation fields."""
        ...
