"""Imports every table so that ``Base.metadata`` is complete (Alembic and tests use it)."""

from customercare.db.base import Base
from customercare.knowledge.models import ChunkRecord, Document, DocumentContent, DocumentTag
from customercare.search.keyword.models import KeywordChunk, KeywordPosting
from customercare.tenancy.models import ApiKey, Workspace

__all__ = [
    "ApiKey",
    "Base",
    "ChunkRecord",
    "Document",
    "DocumentContent",
    "DocumentTag",
    "KeywordChunk",
    "KeywordPosting",
    "Workspace",
]
