"""What the API accepts and returns for documents."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl


class DocumentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    workspace_id: str
    title: str
    filename: str | None
    source_url: str | None
    content_type: str | None
    content_hash: str
    size_bytes: int
    status: str
    failure_code: str | None
    failure_reason: str | None
    version: int
    indexed_version: int | None
    chunk_count: int
    page_count: int | None
    tags: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime


class DocumentUploaded(BaseModel):
    document: DocumentPublic
    deduplicated: bool


class DocumentList(BaseModel):
    items: list[DocumentPublic]
    total: int


class WebSourceCreate(BaseModel):
    url: HttpUrl
    mode: Literal["page", "site", "sitemap"] = "page"
    max_pages: int | None = Field(default=None, ge=1, le=1000)
    tags: list[str] = Field(default_factory=list, max_length=20)


class WebSourceResult(BaseModel):
    documents: list[DocumentUploaded]
    skipped: list[dict[str, str]]
