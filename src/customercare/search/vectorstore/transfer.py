"""Moving a workspace's vectors out of Chroma and back in, embeddings included (backups: no
re-embedding at restore). A restore stages each workspace's vectors in a collection of its
own and promotes it by renaming, so the live collections change only once everything is
staged (docs/BACKUP_DISASTER_RECOVERY_GUIDE.md)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from customercare.search.vectorstore.chroma import (
    COLLECTION_CONFIGURATION,
    UPSERT_BATCH,
    collection_name,
    make_chroma_client,
)

__all__ = ["VectorBatch", "VectorTransfer", "open_vector_transfer"]

READ_BATCH = 500


@dataclass(frozen=True, slots=True)
class VectorBatch:
    """Vectors of one workspace: ids, their (document_id, version), float32 rows."""

    ids: list[str]
    documents: list[str]
    versions: list[int]
    vectors: np.ndarray[Any, np.dtype[np.float32]]


def _staging_name(token: str, workspace_id: str) -> str:
    return f"restore-{token}-{workspace_id}"


class VectorTransfer:
    def __init__(self, client: Any) -> None:
        self._client = client

    def _get(self, name: str) -> Any | None:
        try:
            return self._client.get_collection(name, embedding_function=None)
        except Exception:
            return None

    def count(self, *, workspace_id: str) -> int:
        collection = self._get(collection_name(workspace_id))
        return 0 if collection is None else int(collection.count())

    def export(self, *, workspace_id: str, chunk_ids: Sequence[str]) -> Iterator[VectorBatch]:
        """The vectors of ``chunk_ids`` (those Chroma has: a missing id is left out)."""
        collection = self._get(collection_name(workspace_id))
        if collection is None:
            return
        for start in range(0, len(chunk_ids), READ_BATCH):
            wanted = list(chunk_ids[start : start + READ_BATCH])
            found = collection.get(ids=wanted, include=["embeddings", "metadatas"])
            if not found["ids"]:
                continue
            metadatas = found["metadatas"]
            yield VectorBatch(
                ids=list(found["ids"]),
                documents=[str(m["document_id"]) for m in metadatas],
                versions=[int(m["version"]) for m in metadatas],
                vectors=np.asarray(found["embeddings"], dtype=np.float32),
            )

    def stage(self, *, token: str, workspace_id: str, batch: VectorBatch) -> None:
        """Add ``batch`` to the staging collection of ``workspace_id`` for restore ``token``."""
        collection = self._client.get_or_create_collection(
            _staging_name(token, workspace_id),
            configuration=COLLECTION_CONFIGURATION,
            embedding_function=None,
        )
        for start in range(0, len(batch.ids), UPSERT_BATCH):
            end = start + UPSERT_BATCH
            collection.upsert(
                ids=batch.ids[start:end],
                embeddings=batch.vectors[start:end],
                metadatas=[
                    {"document_id": document, "version": version}
                    for document, version in zip(
                        batch.documents[start:end], batch.versions[start:end], strict=True
                    )
                ],
            )

    def staged_count(self, *, token: str, workspace_id: str) -> int:
        collection = self._get(_staging_name(token, workspace_id))
        return 0 if collection is None else int(collection.count())

    def promote(self, *, token: str, workspace_ids: Sequence[str], replace: Sequence[str]) -> None:
        """Drop the live collections of ``replace`` and of ``workspace_ids``, then rename each
        staged collection to its live name (a workspace with no vectors gets none)."""
        for workspace_id in sorted({*replace, *workspace_ids}):
            self.drop(workspace_id=workspace_id)
        for workspace_id in workspace_ids:
            staged = self._get(_staging_name(token, workspace_id))
            if staged is not None:
                staged.modify(name=collection_name(workspace_id))

    def discard(self, *, token: str, workspace_ids: Sequence[str]) -> None:
        for workspace_id in workspace_ids:
            try:
                self._client.delete_collection(_staging_name(token, workspace_id))
            except Exception:  # noqa: S112  # nosec B112: nothing staged for this one
                continue

    def drop(self, *, workspace_id: str) -> None:
        try:
            self._client.delete_collection(collection_name(workspace_id))
        except Exception:
            return

    def heartbeat(self) -> None:
        self._client.heartbeat()


def open_vector_transfer(*, url: str | None, path: Path) -> VectorTransfer:
    """Chroma as the settings name it: a server (``CHROMA_URL``) or the embedded directory."""
    return VectorTransfer(make_chroma_client(url=url, path=path))
