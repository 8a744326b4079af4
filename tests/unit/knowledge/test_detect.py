"""Content-type detection works from the bytes; file names only break text-flavour ties."""

from __future__ import annotations

import io
import random
import zipfile

import docx
import pytest
from fpdf import FPDF

from customercare.errors import (
    EmptyDocument,
    EncryptedFile,
    IngestionError,
    UnsupportedFileType,
)
from customercare.knowledge.detect import (
    ContentType,
    decode_text,
    detect_content_type,
    find_qa_columns,
    sniff_delimiter,
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _pdf_bytes() -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Hello from a PDF.")
    return bytes(pdf.output())


def _docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("Hello from Word.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _zip_bytes(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _assert_readable(error: IngestionError) -> None:
    # Messages are shown to people: a sentence, not a repr or a stack trace.
    assert error.message[:1].isupper()
    assert error.message.endswith(".")
    assert "Error" not in error.message


# -- binary formats ------------------------------------------------------------------------------


def test_pdf_is_detected_by_magic_even_when_named_csv() -> None:
    assert detect_content_type(_pdf_bytes(), "faq.csv") is ContentType.pdf


def test_pdf_header_after_bom_and_whitespace() -> None:
    data = b"\xef\xbb\xbf \r\n" + _pdf_bytes()
    assert detect_content_type(data) is ContentType.pdf


def test_text_mentioning_pdf_magic_later_is_not_pdf() -> None:
    data = b"Our exports start with %PDF-1.7 as the header.\n"
    assert detect_content_type(data) is ContentType.text


def test_docx_is_detected_from_zip_content() -> None:
    assert detect_content_type(_docx_bytes(), "notes.txt") is ContentType.docx


def test_damaged_docx_is_still_routed_to_the_docx_extractor() -> None:
    data = _docx_bytes()
    assert detect_content_type(data[: len(data) // 2]) is ContentType.docx


def test_plain_zip_is_unsupported() -> None:
    with pytest.raises(UnsupportedFileType) as info:
        detect_content_type(_zip_bytes({"readme.txt": "hello"}), "faq.docx")
    assert "ZIP archive" in info.value.message
    _assert_readable(info.value)


def test_xlsx_is_named_in_the_message() -> None:
    data = _zip_bytes({"xl/workbook.xml": "<workbook/>", "[Content_Types].xml": "<Types/>"})
    with pytest.raises(UnsupportedFileType, match="Excel workbook"):
        detect_content_type(data)


def test_png_is_unsupported() -> None:
    data = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(100)
    with pytest.raises(UnsupportedFileType) as info:
        detect_content_type(data, "faq.md")
    assert "PNG image" in info.value.message
    _assert_readable(info.value)


def test_executable_is_unsupported() -> None:
    with pytest.raises(UnsupportedFileType, match="executable"):
        detect_content_type(b"\x7fELF\x02\x01\x01" + bytes(200))


def test_random_binary_garbage_is_unsupported() -> None:
    rng = random.Random(7)
    data = bytes(rng.randrange(256) for _ in range(4096))
    with pytest.raises(UnsupportedFileType) as info:
        detect_content_type(data)
    assert "binary" in info.value.message
    _assert_readable(info.value)


def test_encrypted_office_container_is_reported_as_encrypted() -> None:
    data = OLE_MAGIC + bytes(200) + "EncryptedPackage".encode("utf-16-le") + bytes(50)
    with pytest.raises(EncryptedFile) as info:
        detect_content_type(data, "handbook.docx")
    assert "password" in info.value.message
    _assert_readable(info.value)


def test_legacy_doc_is_unsupported_with_advice() -> None:
    with pytest.raises(UnsupportedFileType) as info:
        detect_content_type(OLE_MAGIC + bytes(500), "old.doc")
    assert ".docx" in info.value.message
    _assert_readable(info.value)


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n ", b"\xef\xbb\xbf  \n"])
def test_empty_input_is_an_empty_document(data: bytes) -> None:
    with pytest.raises(EmptyDocument) as info:
        detect_content_type(data)
    _assert_readable(info.value)


# -- text flavours -------------------------------------------------------------------------------


def test_html_document() -> None:
    data = b"<!-- saved -->\n<!DOCTYPE html><html><body><p>Hi</p></body></html>"
    assert detect_content_type(data, "page.txt") is ContentType.html


def test_html_fragment_dominated_by_tags() -> None:
    data = b"<h1>Refunds</h1>\n<p>We refund within 30 days.</p>\n<div>Contact us.</div>\n"
    assert detect_content_type(data) is ContentType.html


def test_markdown_with_a_little_inline_html_stays_markdown() -> None:
    data = (
        b"# Guide\n\nSome text.<br>\n\n## Setup\n\n- install\n- run\n\nMore text here.\n"
        b"Even more text.\n"
    )
    assert detect_content_type(data) is ContentType.markdown


def test_markdown_from_headings_even_when_named_txt() -> None:
    data = b"# Billing\n\nWe bill monthly. See [pricing](https://example.com/pricing).\n"
    assert detect_content_type(data, "notes.txt") is ContentType.markdown


def test_plain_text() -> None:
    data = b"Thanks for contacting support.\n\nWe reply within one business day.\n"
    assert detect_content_type(data) is ContentType.text


def test_md_extension_breaks_the_tie_for_ambiguous_text() -> None:
    data = b"Thanks for contacting support.\n\nWe reply within one business day.\n"
    assert detect_content_type(data, "README.md") is ContentType.markdown


def test_weak_markdown_signals_with_txt_name_stay_text() -> None:
    data = b"Steps:\n- open **settings**\n- click reset\n"
    assert detect_content_type(data, "steps.txt") is ContentType.text
    assert detect_content_type(data) is ContentType.markdown


def test_question_answer_csv() -> None:
    data = b'Question,Answer\nHow do I reset?,"Open settings, then reset."\nWhy?,Because.\n'
    assert detect_content_type(data, "faq.txt") is ContentType.csv


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "data",
    [
        b"q;a\nWie?;So.\nWo?;Hier.\n",
        b"question\tanswer\nHow?\tLike this.\n",
        "\ufeffQuestion,Answer\nHow?,Like this.\n".encode(),
        b'question,answer\n"Multi\nline?","Yes,\nit works."\n',
    ],
)
def test_csv_variants(data: bytes) -> None:
    assert detect_content_type(data) is ContentType.csv


def test_tabular_csv_without_qa_header_is_still_csv() -> None:
    data = b"name,email,plan\nBob,bob@example.com,pro\nAl,al@example.com,free\n"
    assert detect_content_type(data) is ContentType.csv


def test_prose_with_commas_is_not_csv() -> None:
    data = b"Hello, world.\nThanks, bye.\nSee you, soon.\n"
    assert detect_content_type(data) is ContentType.text


def test_two_row_table_needs_the_csv_name() -> None:
    data = b"name,email\nBob,bob@example.com\n"
    assert detect_content_type(data) is ContentType.text
    assert detect_content_type(data, "contacts.csv") is ContentType.csv


def test_cp1252_text_is_accepted() -> None:
    data = "Caf\xe9 cr\xe8me \u2013 open daily.".encode("cp1252")
    assert detect_content_type(data) is ContentType.text
    assert decode_text(data) == "Caf\xe9 cr\xe8me \u2013 open daily."


def test_decode_text_handles_boms_and_newlines() -> None:
    assert decode_text("\ufeffa\r\nb\rc".encode()) == "a\nb\nc"
    assert decode_text("Hi there".encode("utf-16")) == "Hi there"


def test_decode_text_rejects_nul_bytes() -> None:
    with pytest.raises(UnsupportedFileType):
        decode_text(b"abc\x00def")


# -- CSV helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["Question", "Answer"], (0, 1)),
        (["id", "Q", "A"], (1, 2)),
        (["Category", "Questions", "Answers"], (1, 2)),
        (["query", "response"], (0, 1)),
        (["Title", "Body"], (0, 1)),
        (["Frequently Asked Question", "answer text"], (0, 1)),
        (["prompt", "reply"], (0, 1)),
        (["Answer", "Question"], (1, 0)),
        (["question id", "question", "answer"], (1, 2)),
    ],
)
def test_find_qa_columns(header: list[str], expected: tuple[int, int]) -> None:
    assert find_qa_columns(header) == expected


@pytest.mark.parametrize("header", [["name", "email"], ["question", "category"], ["a"]])
def test_find_qa_columns_none(header: list[str]) -> None:
    assert find_qa_columns(header) is None


def test_sniff_delimiter_prefers_the_qa_header() -> None:
    text = 'question;answer\n"How, exactly?";"Like so, yes."\n'
    assert sniff_delimiter(text) == (";", text)


def test_sniff_delimiter_honours_excel_sep_line() -> None:
    assert sniff_delimiter("sep=;\nq;a\nx;y\n") == (";", "q;a\nx;y\n")


def test_sniff_delimiter_none_for_prose() -> None:
    assert sniff_delimiter("One line only, with a comma.") is None


# -- hostile input -------------------------------------------------------------------------------


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "data",
    [
        b"**a " * 15_000,
        b"[" * 60_000,
        b"<p" * 30_000,
        b"[x](" + b"a" * 60_000,
        b"x" + b" a" * 30_000,
    ],
    ids=["emphasis", "brackets", "tags", "link", "setext"],
)
def test_pathological_lines_are_detected_in_linear_time(data: bytes) -> None:
    # A quadratic regex would take tens of seconds on these; the timeout marker stops a
    # hang. What is asserted is the result: no markup that makes these Markdown or HTML.
    assert detect_content_type(data) is ContentType.text


# -- legacy encodings ----------------------------------------------------------------------------

JAPANESE_FAQ = (
    "# よくある質問\n\n## 返品について\n\n"
    "ご購入から30日以内であれば、未使用の商品を返品できます。返金は5営業日以内に行われます。\n"
)


@pytest.mark.parametrize(
    ("text", "encoding", "filename", "expected"),
    [
        (JAPANESE_FAQ, "shift_jis", "faq.md", ContentType.markdown),
        (JAPANESE_FAQ, "cp932", "faq.txt", ContentType.markdown),
        ("営業時間は午前九時から午後六時までです。", "shift_jis", "hours.txt", ContentType.text),
        (
            "배송은 보통 3일 정도 걸립니다. 환불은 30일 이내에 가능합니다.",
            "euc_kr",
            None,
            ContentType.text,
        ),
        (
            "退货政策\uff1a购买后三十天内可以退货\uff0c退款将在五个工作日内处理。",
            "gb18030",
            None,
            ContentType.text,
        ),
        ("Возврат товара возможен в течение тридцати дней.", "cp1251", None, ContentType.text),
        ("Ça va? Très bien, merci \u2013 à demain.", "cp1252", None, ContentType.text),
        ("Straße und Größe: täglich geöffnet.", "latin_1", None, ContentType.text),
        ("Café crème brûlée, “quoted” — naïve façade.", "cp1252", None, ContentType.text),
    ],
    ids=[
        "shift-jis-markdown",
        "cp932-markdown",
        "shift-jis-text",
        "euc-kr",
        "gb18030",
        "cp1251",
        "cp1252-short",
        "latin-1",
        "cp1252-quotes",
    ],
)
def test_legacy_encoded_text_is_decoded_not_refused(
    text: str, encoding: str, filename: str | None, expected: ContentType
) -> None:
    data = text.encode(encoding)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert detect_content_type(data, filename) is expected
    assert decode_text(data) == text


@pytest.mark.parametrize("seed", range(5))
def test_high_byte_binary_is_still_refused(seed: int) -> None:
    # No magic number, no NUL byte: only the decoded text's control characters give it away.
    rng = random.Random(seed)
    data = bytes(rng.randrange(1, 256) for _ in range(4096))
    with pytest.raises(UnsupportedFileType, match="binary"):
        detect_content_type(data, "notes.md")
