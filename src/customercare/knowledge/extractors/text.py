"""Plain-text extraction: the whole file is one section; blank lines separate paragraphs."""

from __future__ import annotations

import re

from customercare.knowledge.detect import decode_text
from customercare.knowledge.extractors.base import (
    ExtractedDocument,
    ExtractionLimits,
    Section,
    check_chars,
)

__all__ = ["extract_text"]

_MAX_TITLE_CHARS = 100


def extract_text(data: bytes, *, limits: ExtractionLimits) -> ExtractedDocument:
    text = decode_text(data).lstrip("\ufeff")
    check_chars(len(text), limits)  # before any parsing: a huge file costs no more
    lines = [line.rstrip() for line in text.split("\n")]
    # Lines holding only whitespace count as blank, so paragraphs split cleanly.
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not body:
        return ExtractedDocument(title=None, sections=[])
    first_line = body.split("\n", 1)[0].strip()
    title = first_line if len(first_line) < _MAX_TITLE_CHARS else None
    return ExtractedDocument(title=title, sections=[Section(text=body)])
