"""PDF extraction with pypdf: one section per page, so citations can name the page."""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from pypdf import PasswordType, PdfReader

from customercare.errors import CorruptFile, EmptyDocument, EncryptedFile, TooManyPages
from customercare.knowledge.extractors.base import ExtractedDocument, ExtractionLimits, Section

__all__ = ["extract_pdf"]

# pypdf logs every robustness fix it applies to a sloppy PDF ("Ignoring wrong pointing
# object ..."); operators cannot act on that, so keep only its errors.
logging.getLogger("pypdf").setLevel(logging.ERROR)

_MAX_TITLE_CHARS = 200


@contextmanager
def _quiet() -> Iterator[None]:
    # pypdf may still use warnings.warn; they must never surface (tests turn them into errors).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def extract_pdf(data: bytes, *, limits: ExtractionLimits) -> ExtractedDocument:
    with _quiet():
        reader = _open(data)
        page_count = _page_count(reader)
        if page_count > limits.max_pages:
            raise TooManyPages(
                f"This PDF has {page_count} pages; the limit is {limits.max_pages}.",
                details={"pages": page_count, "max_pages": limits.max_pages},
            )
        sections, failed = _read_pages(reader)
        title = _metadata_title(reader)
    if not sections:
        if failed:
            raise CorruptFile("This PDF is damaged: none of its pages could be read.")
        raise EmptyDocument(
            "This PDF has no text layer (it is probably a scanned image). "
            "Run it through OCR and upload it again."
        )
    return ExtractedDocument(
        title=title or _first_line(sections[0].text), sections=sections, page_count=page_count
    )


def _open(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except Exception as exc:  # pypdf raises many types for broken files
        raise CorruptFile("This PDF is damaged and cannot be read.") from exc
    if reader.is_encrypted:
        # Many PDFs are "encrypted" only to set permissions, with an empty user password.
        try:
            result = reader.decrypt("")
        except Exception as exc:  # unsupported algorithm, missing crypto backend, ...
            raise EncryptedFile(
                "This PDF is encrypted and cannot be opened. Remove the password and upload it "
                "again."
            ) from exc
        if result == PasswordType.NOT_DECRYPTED:
            raise EncryptedFile(
                "This PDF is password-protected. Remove the password and upload it again."
            )
    return reader


def _page_count(reader: PdfReader) -> int:
    try:
        return len(reader.pages)
    except Exception as exc:
        raise CorruptFile("This PDF is damaged: its page list cannot be read.") from exc


def _read_pages(reader: PdfReader) -> tuple[list[Section], int]:
    """Sections for pages that have text, and how many pages failed to parse."""
    sections: list[Section] = []
    failed = 0
    for number, page in enumerate(reader.pages, start=1):
        try:
            raw = page.extract_text()
        except Exception:
            # One broken page should not sink the rest of the manual.
            failed += 1
            continue
        text = _clean(raw)
        if text:
            sections.append(Section(text=text, page=number))
    return sections, failed


def _clean(raw: str) -> str:
    lines = [line.strip() for line in raw.replace("\x00", "").splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _metadata_title(reader: PdfReader) -> str | None:
    try:
        metadata = reader.metadata
        title = metadata.title if metadata else None
    except Exception:  # a broken info dictionary is not worth failing the upload
        return None
    if isinstance(title, str) and title.strip():
        return title.strip()[:_MAX_TITLE_CHARS]
    return None


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:_MAX_TITLE_CHARS]
    return None
