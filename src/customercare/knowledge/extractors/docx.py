"""DOCX extraction with python-docx: heading-styled paragraphs start sections."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from customercare.errors import CorruptFile, FileTooLarge
from customercare.knowledge.detect import OLE_MAGIC, ole_container_error
from customercare.knowledge.extractors.base import ExtractedDocument, ExtractionLimits, Section

__all__ = ["extract_docx"]

# A DOCX is a ZIP; refuse archives that would inflate to something absurd (zip bombs).
_MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
_HEADING_STYLE = re.compile(r"^(heading\s*\d|title)$", re.IGNORECASE)


@dataclass
class _Builder:
    sections: list[Section] = field(default_factory=list)
    heading: str | None = None
    blocks: list[str] = field(default_factory=list)

    def start(self, heading: str) -> None:
        self.flush()
        self.heading = heading

    def add(self, block: str) -> None:
        if block.strip():
            self.blocks.append(block.strip())

    def flush(self) -> None:
        if self.blocks:
            self.sections.append(Section(text="\n\n".join(self.blocks), heading=self.heading))
        self.blocks = []


def extract_docx(data: bytes, *, limits: ExtractionLimits) -> ExtractedDocument:
    # Page count is not known without rendering, so ``limits.max_pages`` is not enforced here.
    del limits
    if data.startswith(OLE_MAGIC):
        raise ole_container_error(data)
    _check_archive(data)
    try:
        document = docx.Document(io.BytesIO(data))
        builder = _Builder()
        heading_title: str | None = None
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                text = block.text.strip()
                if text and _is_heading(block):
                    heading_title = heading_title or text
                    builder.start(text)
                else:
                    builder.add(block.text)
            else:
                builder.add(_table_text(block))
        builder.flush()
        core_title = (document.core_properties.title or "").strip()
    except Exception as exc:  # python-docx/lxml/zipfile raise many types for broken files
        raise CorruptFile("This Word document is damaged and cannot be read.") from exc
    return ExtractedDocument(title=core_title or heading_title, sections=builder.sections)


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise CorruptFile("This Word document is damaged and cannot be read.") from exc
    if total > _MAX_UNCOMPRESSED_BYTES:
        raise FileTooLarge("This Word document expands to more than 256 MB when unpacked.")


def _is_heading(paragraph: Paragraph) -> bool:
    style = paragraph.style
    if style is None:
        return False
    # Word stores built-in names in lower case ("heading 1"); style ids are "Heading1".
    return bool(
        _HEADING_STYLE.match(style.name or "") or _HEADING_STYLE.match(style.style_id or "")
    )


def _table_text(table: Table) -> str:
    lines: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        seen: list[object] = []
        for cell in row.cells:
            # A merged cell is reported once per grid column it spans; keep the first.
            if any(cell._tc is tc for tc in seen):
                continue
            seen.append(cell._tc)
            text = " ".join(cell.text.split())
            if text:
                cells.append(text)
        if cells:
            lines.append(" | ".join(cells))
    return "\n".join(lines)
