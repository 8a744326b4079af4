"""What the search API returns: ranked passages with scores and citation fields."""

from __future__ import annotations

from pydantic import BaseModel


class Citation(BaseModel):
    document_id: str
    title: str
    section: str | None
    page: int | None
    source_url: str | None


class SearchHitPublic(BaseModel):
    rank: int
    chunk_id: str
    score: float
    keyword_score: float | None
    dense_similarity: float | None
    text: str
    citation: Citation


class SearchResponse(BaseModel):
    query: str
    mode: str
    hits: list[SearchHitPublic]
    timings_ms: dict[str, float]
