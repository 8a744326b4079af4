"""Turn uploaded bytes of a detected content type into an ``ExtractedDocument``."""

from __future__ import annotations

from dataclasses import replace

from customercare.errors import EmptyDocument
from customercare.knowledge.detect import ContentType
from customercare.knowledge.extractors.base import (
    ExtractedDocument,
    ExtractionLimits,
    Extractor,
    Section,
    check_chars,
)
from customercare.knowledge.extractors.csv_faq import extract_csv_faq
from customercare.knowledge.extractors.docx import extract_docx
from customercare.knowledge.extractors.html import extract_html
from customercare.knowledge.extractors.markdown import extract_markdown
from customercare.knowledge.extractors.pdf import extract_pdf
from customercare.knowledge.extractors.text import extract_text

__all__ = [
    "EXTRACTORS",
    "ExtractedDocument",
    "ExtractionLimits",
    "Extractor",
    "Section",
    "extract",
]

EXTRACTORS: dict[ContentType, Extractor] = {
    ContentType.pdf: extract_pdf,
    ContentType.docx: extract_docx,
    ContentType.csv: extract_csv_faq,
    ContentType.markdown: extract_markdown,
    ContentType.html: extract_html,
    ContentType.text: extract_text,
}


def extract(
    data: bytes, content_type: ContentType, *, limits: ExtractionLimits
) -> ExtractedDocument:
    """Extract ``data`` with the extractor for ``content_type``; empty sections are dropped."""
    document = EXTRACTORS[ContentType(content_type)](data, limits=limits)
    sections = [section for section in document.sections if section.text.strip()]
    if not sections:
        raise EmptyDocument("The document contains no readable text.")
    check_chars(sum(len(section.text) for section in sections), limits)
    return replace(document, sections=sections)
