"""Imports every table so that ``Base.metadata`` is complete (Alembic and tests use it)."""

from customercare.conversations.models import Conversation, Feedback, HandoffTicket, Message
from customercare.db.base import Base
from customercare.knowledge.models import ChunkRecord, Document, DocumentContent, DocumentTag
from customercare.search.keyword.models import KeywordChunk, KeywordPosting
from customercare.tenancy.models import ApiKey, Workspace

__all__ = [
    "ApiKey",
    "Base",
    "ChunkRecord",
    "Conversation",
    "Document",
    "DocumentContent",
    "DocumentTag",
    "Feedback",
    "HandoffTicket",
    "KeywordChunk",
    "KeywordPosting",
    "Message",
    "Workspace",
]
