"""Whether content is usable, before anything is stored or queued: its size, its type
(detected from the bytes), its extraction and the limits of one document (characters, CSV
rows, a lower bound of its passages; ``knowledge.bounds``)."""

from __future__ import annotations

import hashlib

from customercare.errors import FileTooLarge
from customercare.knowledge.bounds import IngestionBounds, check_passage_estimate, settings_bounds
from customercare.knowledge.detect import detect_content_type
from customercare.knowledge.extractors import ExtractedDocument, extract
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


def validate_content(
    data: bytes,
    *,
    filename: str | None,
    settings: Settings,
    bounds: IngestionBounds | None = None,
) -> ExtractedDocument:
    """Detect and extract, raising the ``IngestionError`` that says why content is unusable
    (``bounds``: the workspace's limits; the server's settings when not given)."""
    check_size(data, settings=settings)
    bounds = bounds or settings_bounds(settings)
    content_type = detect_content_type(data, filename)
    extracted = extract(data, content_type, limits=bounds.extraction)
    check_passage_estimate(extracted, bounds, size_words=settings.chunk_size_words)
    return extracted
