"""CSV FAQ extraction: each question/answer row becomes one atomic section."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from customercare.errors import CorruptFile, EmptyDocument, TooManyRows
from customercare.knowledge.detect import decode_text, find_qa_columns, sniff_delimiter
from customercare.knowledge.extractors.base import (
    ExtractedDocument,
    ExtractionLimits,
    Section,
    check_chars,
)

__all__ = ["extract_csv_faq"]

_MAX_LISTED_COLUMNS = 10


def extract_csv_faq(data: bytes, *, limits: ExtractionLimits) -> ExtractedDocument:
    text = decode_text(data).lstrip("\ufeff")
    check_chars(len(text), limits)
    # Not tabular at all: parse with commas anyway so the error can name what the header holds.
    delimiter, body = sniff_delimiter(text) or (",", text)
    rows = _rows(body, delimiter)
    header = next(rows, None)
    if header is None:
        raise EmptyDocument("This CSV file has no rows.")
    columns = find_qa_columns(header)
    if columns is None:
        names = ", ".join(name.strip() for name in header[:_MAX_LISTED_COLUMNS] if name.strip())
        raise CorruptFile(
            f"This CSV has no question and answer columns (found: {names or 'no column names'}). "
            "Name them 'question' and 'answer'.",
            details={"columns": [name.strip() for name in header]},
        )
    sections = _faq_sections(rows, *columns, max_rows=limits.max_rows)
    if not sections:
        raise EmptyDocument("This CSV has question and answer columns but no filled-in rows.")
    return ExtractedDocument(title=None, sections=sections)


def _rows(text: str, delimiter: str) -> Iterator[list[str]]:
    """Non-blank rows, read one at a time (a huge file is refused at its first row over the
    limit, not after it was all parsed)."""
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            if any(cell.strip() for cell in row):
                yield row
    except csv.Error as exc:
        raise CorruptFile(f"This CSV file cannot be parsed: {exc}.") from exc


def _faq_sections(
    rows: Iterator[list[str]], q_index: int, a_index: int, *, max_rows: int | None
) -> list[Section]:
    sections: list[Section] = []
    for row in rows:
        # The question doubles as the heading, so it must be a single line.
        question = " ".join(_cell(row, q_index).split())
        answer = _cell(row, a_index)
        if not question or not answer:
            continue  # half-written rows would only produce unanswerable or orphan chunks
        if max_rows is not None and len(sections) >= max_rows:
            raise TooManyRows(
                f"This CSV has more than {max_rows:,} question and answer rows; the limit is "
                f"{max_rows:,} per document. Split it into smaller files.",
                details={"limit": max_rows},
            )
        sections.append(Section(text=f"Q: {question}\nA: {answer}", heading=question, atomic=True))
    return sections


def _cell(row: list[str], index: int) -> str:
    if index >= len(row):
        return ""
    return row[index].strip()
