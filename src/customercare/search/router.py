"""``GET /api/v1/search``: ranked passages of the caller's workspace, a debugging aid."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from customercare.deps import RuntimeDep, SearchAccess, SessionDep
from customercare.search import service
from customercare.search.schemas import Citation, SearchHitPublic, SearchResponse

router = APIRouter(prefix="/api/v1/search", tags=["search"])


@router.get("")
def search(
    runtime: RuntimeDep,
    session: SessionDep,
    workspace: SearchAccess,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    mode: service.SearchMode = "hybrid",
    document_id: Annotated[list[str] | None, Query()] = None,
    tag: Annotated[list[str] | None, Query()] = None,
) -> SearchResponse:
    result = service.search(
        runtime,
        session,
        workspace_id=workspace.workspace_id,
        query=q,
        limit=limit,
        mode=mode,
        document_ids=document_id,
        tags=tag,
    )
    return SearchResponse(
        query=q,
        mode=mode,
        hits=[to_public(hit) for hit in result.hits],
        timings_ms=result.timings_ms,
    )


def to_public(hit: service.SearchHit) -> SearchHitPublic:
    chunk = hit.chunk
    return SearchHitPublic(
        rank=hit.rank,
        chunk_id=chunk.id,
        score=hit.score,
        keyword_score=hit.keyword_score,
        dense_similarity=hit.dense_similarity,
        text=chunk.text,
        citation=Citation(
            document_id=chunk.document_id,
            title=chunk.title,
            section=chunk.heading,
            page=chunk.page,
            source_url=chunk.source_url,
        ),
    )
