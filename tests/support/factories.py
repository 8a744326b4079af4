"""Builders for test documents of every supported type, made in code (nothing downloaded)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from docx import Document as DocxDocument
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from customercare.search.types import Chunk


def pdf_bytes(pages: list[str], *, title: str | None = None) -> bytes:
    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    if title:
        pdf.set_title(title)
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def encrypted_pdf_bytes(text: str) -> bytes:
    reader = PdfReader(io.BytesIO(pdf_bytes([text])))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def docx_bytes(sections: dict[str, str], *, title: str = "Guide") -> bytes:
    document = DocxDocument()
    document.core_properties.title = title
    document.add_heading(title, level=0)
    for heading, body in sections.items():
        document.add_heading(heading, level=1)
        document.add_paragraph(body)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def faq_csv_bytes(rows: list[tuple[str, str]]) -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["question", "answer"])
    writer.writerows(rows)
    return buffer.getvalue().encode()


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def make_chunk(
    *,
    text: str,
    title: str = "Help article",
    heading: str | None = None,
    document_id: str = "doc-1",
    position: int = 0,
    source_url: str | None = None,
) -> Chunk:
    """A retrieved chunk as the answer stages see it, without a database."""
    return Chunk(
        id=f"{document_id}:1:{position}",
        workspace_id="ws-1",
        document_id=document_id,
        version=1,
        position=position,
        text=text,
        title=title,
        heading=heading,
        source_url=source_url,
    )
