"""The vector store interface. Similarities are cosine similarities (higher is better)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from customercare.search.embedding.base import Vectors


@dataclass(frozen=True, slots=True)
class VectorRecord:
    chunk_id: str
    document_id: str
    version: int


class VectorStore(Protocol):
    def upsert(
        self, *, workspace_id: str, records: Sequence[VectorRecord], vectors: Vectors
    ) -> None:
        """Insert or replace; ids are deterministic, so a retried job never duplicates."""
        ...

    def query(
        self,
        *,
        workspace_id: str,
        vector: Vectors,
        limit: int,
        document_ids: Collection[str] | None = None,
    ) -> list[tuple[str, float]]: ...

    def delete_document(
        self,
        *,
        workspace_id: str,
        document_id: str,
        older_than: int | None = None,
        version: int | None = None,
    ) -> None:
        """Remove a document's vectors: all of them, those of versions older than
        ``older_than`` (never a newer version another job may be indexing), or only
        ``version``'s."""
        ...

    def delete_workspace(self, *, workspace_id: str) -> None: ...

    def count(self, *, workspace_id: str) -> int: ...

    def heartbeat(self) -> None:
        """Raise if the store cannot be reached."""
        ...
