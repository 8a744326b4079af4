"""What every extractor produces: a title and an ordered list of sections that keep the
structure a citation needs (heading, page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from customercare.errors import TooMuchText


@dataclass(frozen=True, slots=True)
class ExtractionLimits:
    max_pages: int
    # Characters of text (None: unbounded). Checked on the decoded text before parsing where
    # there is one (text, Markdown, CSV), and on the extracted sections of every type.
    max_chars: int | None = None
    # Question/answer rows of a CSV (None: unbounded); reading stops at the first one over.
    max_rows: int | None = None


def check_chars(count: int, limits: ExtractionLimits) -> None:
    """Refuse text longer than ``limits.max_chars`` (``too_much_text``)."""
    if limits.max_chars is not None and count > limits.max_chars:
        raise TooMuchText(
            f"The document has {count:,} characters of text; the limit is "
            f"{limits.max_chars:,} per document. Split it into smaller documents.",
            details={"characters": count, "limit": limits.max_chars},
        )


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
