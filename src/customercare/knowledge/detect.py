"""Decide what kind of content an upload is from its bytes, never from its name.

Uploads are untrusted and file names lie (a PDF saved as ``faq.csv``), so the type comes from
magic numbers and content heuristics. The file name only breaks ties between text flavours
(plain text that could equally be Markdown, a two-row table that could be prose).

The text helpers (:func:`decode_text`, :func:`sniff_delimiter`, :func:`find_qa_columns`) live
here because detection and the text extractors must agree on them.

Over 400 lines: one decision over magic bytes, containers and text sniffing, kept in order."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from enum import StrEnum
from pathlib import PurePath

from customercare.errors import EmptyDocument, EncryptedFile, UnsupportedFileType
from customercare.knowledge.encoding import decode_legacy

__all__ = [
    "ContentType",
    "decode_text",
    "detect_content_type",
    "find_qa_columns",
    "ole_container_error",
    "sniff_delimiter",
]


class ContentType(StrEnum):
    pdf = "pdf"
    docx = "docx"
    csv = "csv"
    markdown = "markdown"
    html = "html"
    text = "text"


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_SNIFF_CHARS = 64 * 1024

# Cheap signatures for the binary formats people most often upload by mistake.
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a BMP image"),
    (b"\x7fELF", "a Linux executable"),
    (b"MZ", "a Windows executable"),
    (b"\xcf\xfa\xed\xfe", "a macOS executable"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"ID3", "an MP3 audio file"),
    (b"OggS", "an Ogg media file"),
    (b"fLaC", "a FLAC audio file"),
    (b"\x00asm", "a WebAssembly module"),
    (b"{\\rtf", "an RTF document (save it as .docx or PDF)"),
)
# These signatures are short enough to start a real text file, so they need more evidence.
_WEAK_SIGNATURES = {b"BM", b"MZ", b"BZh", b"ID3"}


def detect_content_type(data: bytes, filename: str | None = None) -> ContentType:
    """Return the content type of ``data``; raise an ``IngestionError`` when it is unusable."""
    if not _strip_boms(data).strip():
        raise EmptyDocument("The file is empty.")
    # Readers accept a PDF header preceded by whitespace or a BOM within the first 1 KiB.
    if _strip_boms(data[:1024]).lstrip().startswith(b"%PDF-"):
        return ContentType.pdf
    if data.startswith(_ZIP_MAGICS):
        return _detect_zip(data)
    if data.startswith(OLE_MAGIC):
        raise ole_container_error(data)
    _reject_known_binary(data)
    text = decode_text(data)
    if not text.strip():
        raise EmptyDocument("The file is empty.")
    return _detect_text_flavour(text[:_SNIFF_CHARS], _suffix(filename))


# -- binary containers ---------------------------------------------------------------------------


def ole_container_error(data: bytes) -> EncryptedFile | UnsupportedFileType:
    """Explain an OLE2 compound file: an encrypted Office file or a legacy .doc/.xls/.ppt."""
    # Directory entry names are UTF-16LE; match both encodings to be safe.
    if b"EncryptedPackage" in data or "EncryptedPackage".encode("utf-16-le") in data:
        return EncryptedFile(
            "This Office document is password-protected. Remove the password and upload it again."
        )
    return UnsupportedFileType(
        "This looks like a legacy Microsoft Office file (.doc, .xls or .ppt). "
        "Save it as .docx or PDF and upload it again."
    )


def _detect_zip(data: bytes) -> ContentType:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError):
        # A damaged DOCX still names its parts in local headers: let the extractor say "corrupt".
        if b"word/document.xml" in data:
            return ContentType.docx
        raise UnsupportedFileType("This looks like a damaged ZIP archive.") from None
    if "word/document.xml" in names:
        return ContentType.docx
    raise UnsupportedFileType(f"This looks like {_describe_zip(names, mimetype)}, not a document.")


def _describe_zip(names: set[str], mimetype: bytes) -> str:
    if "xl/workbook.xml" in names:
        return "an Excel workbook (.xlsx)"
    if "ppt/presentation.xml" in names:
        return "a PowerPoint presentation (.pptx)"
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return "an OpenDocument file"
    if mimetype.startswith(b"application/epub"):
        return "an EPUB e-book"
    return "a ZIP archive"


def _reject_known_binary(data: bytes) -> None:
    for magic, description in _BINARY_SIGNATURES:
        if not data.startswith(magic):
            continue
        if magic in _WEAK_SIGNATURES and _looks_like_text_bytes(data[:512]):
            continue
        raise UnsupportedFileType(f"This looks like {description}, not a supported document.")
    if data[:4] == b"RIFF" and data[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        raise UnsupportedFileType("This looks like a media file, not a supported document.")
    if data[4:8] == b"ftyp":
        raise UnsupportedFileType("This looks like a video or image file, not a document.")


def _looks_like_text_bytes(sample: bytes) -> bool:
    return b"\x00" not in sample and _control_ratio(sample.decode("latin-1")) < 0.02


# -- text decoding -------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """Decode uploaded text: UTF-8 (BOM or not), UTF-16 with a BOM, else a legacy encoding
    (:func:`customercare.knowledge.encoding.decode_legacy`), else latin-1.

    Raises ``UnsupportedFileType`` for binary data, so every text extractor rejects it the same
    way detection does.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        text = _decode_or_none(data[3:], "utf-8")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" export is UTF-16 with a BOM.
        text = _decode_or_none(data, "utf-16")
    elif b"\x00" in data:
        text = None
    else:
        text = _decode_or_none(data, "utf-8")
        if text is None:
            # Legacy exports (cp1252, Shift-JIS, EUC-KR, GB18030...); latin-1 never fails, so
            # the text check below decides.
            text = decode_legacy(data) or data.decode("latin-1")
    if text is None or _control_ratio(text[:_SNIFF_CHARS]) > 0.02:
        raise UnsupportedFileType("This looks like a binary file, not a supported document.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_or_none(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(
        1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f") or 0x7F <= ord(ch) < 0xA0
    )
    return controls / len(text)


def _strip_boms(data: bytes) -> bytes:
    for bom in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :]
    return data


def _suffix(filename: str | None) -> str:
    return PurePath(filename).suffix.lower() if filename else ""


# -- text flavours -------------------------------------------------------------------------------

# Uploads are untrusted: every pattern below stops at the next delimiter (no ".*?" spans), so
# a hostile line of 64 KiB of "[" or "**" costs linear, not quadratic, time.

_HTML_START = re.compile(r"<(!doctype\s+html|html[\s>])", re.IGNORECASE)
_HTML_PREAMBLE = re.compile(r"^\s*(?:<!--.*?-->\s*|<\?xml[^>]*\?>\s*)*", re.DOTALL)
_HTML_TAG = re.compile(
    r"</?(?:html|head|body|title|meta|link|p|div|span|h[1-6]|ul|ol|li|table|tr|td|th|a|br|"
    r"section|article|main|nav|header|footer|img|strong|em|b|i|script|style)\b[^<>]*>",
    re.IGNORECASE,
)
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE)
_MD_STRONG = (
    _MD_HEADING,
    re.compile(r"^ {0,3}(```|~~~)", re.MULTILINE),  # fenced code
    re.compile(r"\[[^\[\]\n]+\]\([^()\s]+\)"),  # link or image
    re.compile(r"^[ \t]*\S[^\n]*\n {0,3}(=+|-{2,})[ \t]*$", re.MULTILINE),  # setext heading
)
_MD_WEAK = (
    re.compile(r"^ {0,3}([-*+]|\d+[.)])[ \t]+\S", re.MULTILINE),  # list item
    re.compile(r"\*\*[^*\s][^*\n]*\*\*|__[^_\s][^_\n]*__"),  # strong emphasis
    re.compile(r"(?<![\w*])\*[^*\s][^*\n]*(?<=\S)\*(?![\w*])"),  # emphasis
    re.compile(r"`[^`\n]+`"),  # inline code
    re.compile(r"^ {0,3}>[ \t]?\S", re.MULTILINE),  # block quote
    re.compile(r"^ {0,3}\|.*\|[ \t]*$", re.MULTILINE),  # table row
)


def _detect_text_flavour(text: str, suffix: str) -> ContentType:
    if _looks_like_html(text, suffix):
        return ContentType.html
    if _looks_like_csv(text, suffix):
        return ContentType.csv
    if _looks_like_markdown(text, suffix):
        return ContentType.markdown
    return ContentType.text


def _looks_like_html(text: str, suffix: str) -> bool:
    preamble = _HTML_PREAMBLE.match(text)
    body = text[preamble.end() :] if preamble else text
    if _HTML_START.match(body):
        return True
    lines = [line for line in text.splitlines() if line.strip()]
    tag_lines = sum(1 for line in lines if _HTML_TAG.search(line))
    if suffix in (".html", ".htm", ".xhtml") and tag_lines:
        return True
    # Markdown may carry a little inline HTML; only markup-dominated text counts as HTML.
    markdown_lines = sum(1 for line in lines if _MD_HEADING.match(line))
    return tag_lines >= 2 and tag_lines >= 0.3 * len(lines) and tag_lines > markdown_lines


def _looks_like_markdown(text: str, suffix: str) -> bool:
    if any(pattern.search(text) for pattern in _MD_STRONG):
        return True
    if suffix in (".md", ".markdown", ".mdown", ".mkd"):
        return True
    weak_kinds = sum(1 for pattern in _MD_WEAK if pattern.search(text))
    return weak_kinds >= 2 and suffix != ".txt"


# -- CSV -----------------------------------------------------------------------------------------

_DELIMITERS = (",", ";", "\t")
_EXCEL_SEP = re.compile(r"\A\ufeff?sep=(.)[ \t]*\n")

# Ranked synonyms: the best-ranked question and answer columns win.
_QUESTION_NAMES = (
    "question",
    "questions",
    "q",
    "faq question",
    "frequently asked question",
    "frequently asked questions",
    "faq",
    "query",
    "queries",
    "prompt",
    "title",
)
_ANSWER_NAMES = (
    "answer",
    "answers",
    "a",
    "faq answer",
    "response",
    "responses",
    "reply",
    "replies",
    "solution",
    "body",
    "content",
)
_NON_TEXT_WORDS = frozenset({"id", "no", "number", "count", "date", "url", "link", "type"})


def _normalize_column(name: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", name.lower()).split())


def _column_rank(name: str, synonyms: Sequence[str], keyword: str) -> int | None:
    normalized = _normalize_column(name)
    if normalized in synonyms:
        return synonyms.index(normalized)
    words = set(normalized.split())
    # "Customer question", "Answer (EN)"; but not "question id".
    if keyword in words and not words & _NON_TEXT_WORDS:
        return len(synonyms)
    return None


def find_qa_columns(header: Sequence[str]) -> tuple[int, int] | None:
    """Indexes of the question and answer columns in a CSV header, matched case-insensitively."""
    best_q: tuple[int, int] | None = None
    best_a: tuple[int, int] | None = None
    for index, name in enumerate(header):
        q_rank = _column_rank(name, _QUESTION_NAMES, "question")
        a_rank = _column_rank(name, _ANSWER_NAMES, "answer")
        if q_rank is not None and (best_q is None or q_rank < best_q[0]):
            best_q = (q_rank, index)
        elif a_rank is not None and (best_a is None or a_rank < best_a[0]):
            best_a = (a_rank, index)
    if best_q is None or best_a is None:
        return None
    return best_q[1], best_a[1]


def sniff_delimiter(text: str) -> tuple[str, str] | None:
    """Find the CSV delimiter of ``text``; returns ``(delimiter, text_without_sep_line)``.

    A delimiter wins if it yields a question/answer header, else if every row has the same
    number (>= 2) of fields. Returns None when the text is not tabular.
    """
    sep_line = _EXCEL_SEP.match(text)
    if sep_line:
        # Excel's "sep=;" hint line names the delimiter outright.
        return sep_line.group(1), text[sep_line.end() :]
    candidates = list(_DELIMITERS)
    try:
        # A small sample: the Sniffer's regexes get slow on large inputs.
        sniffed = csv.Sniffer().sniff(text[:4096], delimiters="".join(_DELIMITERS))
        candidates.remove(sniffed.delimiter)
        candidates.insert(0, sniffed.delimiter)
    except csv.Error:
        pass
    for delimiter in candidates:
        rows = _sample_rows(text, delimiter)
        if rows and len(rows[0]) >= 2 and find_qa_columns(rows[0]) is not None:
            return delimiter, text
    best: tuple[int, str] | None = None
    for delimiter in candidates:
        rows = _sample_rows(text, delimiter)
        widths = {len(row) for row in rows}
        width = widths.pop() if len(widths) == 1 else 0
        if len(rows) >= 2 and width >= 2 and (best is None or width > best[0]):
            best = (width, delimiter)
    return (best[1], text) if best else None


def _has_qa_header(rows: list[list[str]]) -> bool:
    if not rows or len(rows[0]) < 2 or find_qa_columns(rows[0]) is None:
        return False
    # Prose that merely starts with "Question, answer, ..." has ragged rows after it.
    data_rows = rows[1:]
    regular = sum(1 for row in data_rows if len(row) == len(rows[0]))
    return not data_rows or regular * 2 >= len(data_rows)


def _sample_rows(text: str, delimiter: str, limit: int = 50) -> list[list[str]]:
    sample = text[:_SNIFF_CHARS]
    truncated = len(text) > len(sample)
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(sample), delimiter=delimiter):
            if any(cell.strip() for cell in row):
                rows.append(row)
            if len(rows) > limit:
                break
    except csv.Error:
        return []
    if truncated and len(rows) <= limit and rows:
        rows.pop()  # the sample may have cut the last row in half
    return rows


def _looks_like_csv(text: str, suffix: str) -> bool:
    found = sniff_delimiter(text)
    if found is None:
        return False
    delimiter, body = found
    rows = _sample_rows(body, delimiter)
    if not rows:
        return False
    if _has_qa_header(rows):
        return True
    if suffix in (".csv", ".tsv"):
        return True
    # Without a Q/A header, prose with one comma per line must not pass as a table: ask for
    # a header row of short labels and at least two data rows.
    header_ok = all(0 < len(cell.strip()) <= 40 for cell in rows[0]) and not any(
        cell.strip().endswith((".", "!", "?", ":")) for cell in rows[0]
    )
    return header_ok and len(rows) >= 3 and not any(p.search(text) for p in _MD_STRONG)
