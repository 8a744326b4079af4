"""ChromaDB, embedded (a directory) or a server (``CHROMA_URL``), one collection per workspace
so that one tenant's vectors are never even candidates for another's queries."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings

from customercare.observability import metrics
from customercare.search.embedding.base import Vectors
from customercare.search.vectorstore.base import VectorRecord

COLLECTION_CONFIGURATION: dict[str, Any] = {
    "hnsw": {"space": "cosine", "ef_construction": 200, "ef_search": 200}
}
UPSERT_BATCH = 1000


def make_chroma_client(*, url: str | None, path: Path) -> Any:
    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if url:
        parsed = urlparse(url)
        return chromadb.HttpClient(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https",
            settings=settings,
        )
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


def collection_name(workspace_id: str) -> str:
    return f"ws-{workspace_id}"


class ChromaVectorStore:
    def __init__(self, client: Any) -> None:
        self._client = client
        self._collections: dict[str, Any] = {}

    def _collection(self, workspace_id: str) -> Any:
        collection = self._collections.get(workspace_id)
        if collection is None:
            collection = self._client.get_or_create_collection(
                collection_name(workspace_id),
                configuration=COLLECTION_CONFIGURATION,
                embedding_function=None,
            )
            self._collections[workspace_id] = collection
        return collection

    def upsert(
        self, *, workspace_id: str, records: Sequence[VectorRecord], vectors: Vectors
    ) -> None:
        collection = self._collection(workspace_id)
        for start in range(0, len(records), UPSERT_BATCH):
            batch = records[start : start + UPSERT_BATCH]
            with metrics.observe_seconds(metrics.vector_store_seconds, operation="upsert"):
                collection.upsert(
                    ids=[record.chunk_id for record in batch],
                    embeddings=vectors[start : start + UPSERT_BATCH],
                    metadatas=[
                        {"document_id": record.document_id, "version": record.version}
                        for record in batch
                    ],
                )

    def query(
        self,
        *,
        workspace_id: str,
        vector: Vectors,
        limit: int,
        document_ids: Collection[str] | None = None,
    ) -> list[tuple[str, float]]:
        if limit <= 0 or (document_ids is not None and not document_ids):
            return []
        collection = self._collection(workspace_id)
        size = collection.count()
        if size == 0:
            return []
        where = None
        if document_ids is not None:
            where = {"document_id": {"$in": sorted(document_ids)}}
        with metrics.observe_seconds(metrics.vector_store_seconds, operation="query"):
            result = collection.query(
                query_embeddings=vector.reshape(1, -1),
                n_results=min(limit, size),
                where=where,
                include=["distances"],
            )
        ids: list[str] = result["ids"][0]
        distances: list[float] = result["distances"][0]
        # Chroma's cosine space reports distance = 1 - similarity.
        return [(chunk_id, 1.0 - float(d)) for chunk_id, d in zip(ids, distances, strict=True)]

    def delete_document(
        self,
        *,
        workspace_id: str,
        document_id: str,
        older_than: int | None = None,
        version: int | None = None,
    ) -> None:
        where: dict[str, Any] = {"document_id": document_id}
        if older_than is not None:
            where = {"$and": [where, {"version": {"$lt": older_than}}]}
        elif version is not None:
            where = {"$and": [where, {"version": version}]}
        with metrics.observe_seconds(metrics.vector_store_seconds, operation="delete"):
            self._collection(workspace_id).delete(where=where)

    def delete_workspace(self, *, workspace_id: str) -> None:
        self._collections.pop(workspace_id, None)
        try:
            self._client.delete_collection(collection_name(workspace_id))
        except Exception:
            return

    def count(self, *, workspace_id: str) -> int:
        return int(self._collection(workspace_id).count())

    def heartbeat(self) -> None:
        self._client.heartbeat()
