"""What every extractor produces: a title and an ordered list of sections that keep the
structure a citation needs (heading, page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ExtractionLimits:
    max_pages: int


@dataclass(frozen=True, slots=True)
class Section:
    text: str
    heading: str | None = None
    page: int | None = None
    # An atomic section (one FAQ row) becomes exactly one chunk of its own.
    atomic: bool = False


@dataclass(frozen=True, slots=True)
class ExtractedDocument:
    title: str | None
    sections: list[Section] = field(default_factory=list)
    page_count: int | None = None


class Extractor(Protocol):
    def __call__(self, data: bytes, *, limits: ExtractionLimits) -> ExtractedDocument:
        """Turn raw bytes into sections; raise an ``IngestionError`` subclass when it cannot."""
        ...
