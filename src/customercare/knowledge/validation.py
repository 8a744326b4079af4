"""Whether content is usable, before anything is stored or queued: its size, its type
(detected from the bytes) and its extraction."""

from __future__ import annotations

import hashlib

from customercare.errors import FileTooLarge
from customercare.knowledge.detect import detect_content_type
from customercare.knowledge.extractors import ExtractedDocument, ExtractionLimits, extract
from customercare.settings import Settings

__all__ = ["check_size", "content_hash", "validate_content"]


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_size(data: bytes, *, settings: Settings) -> None:
    if len(data) > settings.max_upload_bytes:
        raise FileTooLarge(
            f"file is {len(data)} bytes; the limit is {settings.max_upload_bytes} bytes",
            details={"limit_bytes": settings.max_upload_bytes},
        )


def validate_content(data: bytes, *, filename: str | None, settings: Settings) -> ExtractedDocument:
    """Detect and extract, raising the ``IngestionError`` that says why content is unusable."""
    check_size(data, settings=settings)
    content_type = detect_content_type(data, filename)
    return extract(data, content_type, limits=ExtractionLimits(max_pages=settings.max_pages))
