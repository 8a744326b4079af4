"""The chunker respects document structure, size limits and overlap."""

from __future__ import annotations

import itertools

import pytest

from customercare.knowledge.chunking import chunk_document
from customercare.knowledge.extractors.base import ExtractedDocument, Section
from customercare.search.types import ChunkDraft


def _doc(*sections: Section) -> ExtractedDocument:
    return ExtractedDocument(title="Doc", sections=list(sections))


def _sentence(index: int) -> str:
    # Seven words, each sentence distinguishable by its number.
    return f"Sentence {index} says alpha beta gamma delta."


def _words(chunk: ChunkDraft) -> list[str]:
    return chunk.text.split()


def _shared_prefix_suffix(first: ChunkDraft, second: ChunkDraft) -> int:
    """How many words at the start of ``second`` repeat the end of ``first``."""
    a, b = _words(first), _words(second)
    for size in range(min(len(a), len(b)), 0, -1):
        if a[-size:] == b[:size]:
            return size
    return 0


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (-5, 0), (10, -1), (10, 10), (10, 11)])
def test_rejects_invalid_sizes(size: int, overlap: int) -> None:
    with pytest.raises(ValueError, match="words"):
        chunk_document(_doc(Section("text")), size_words=size, overlap_words=overlap)


def test_empty_document_gives_no_chunks() -> None:
    assert chunk_document(_doc(Section("  \n ")), size_words=50, overlap_words=10) == []


def test_small_sections_keep_heading_page_and_order() -> None:
    chunks = chunk_document(
        _doc(
            Section("Intro text.", heading=None, page=1),
            Section("Billing text.", heading="Billing", page=1),
            Section("Refund text.", heading="Refunds", page=2),
        ),
        size_words=100,
        overlap_words=10,
    )
    assert chunks == [
        ChunkDraft("Intro text.", position=0, heading=None, page=1),
        ChunkDraft("Billing text.", position=1, heading="Billing", page=1),
        ChunkDraft("Refund text.", position=2, heading="Refunds", page=2),
    ]


def test_never_merges_across_headings_or_pages() -> None:
    chunks = chunk_document(
        _doc(
            Section("One.", heading="A", page=1),
            Section("Two.", heading="B", page=1),
            Section("Three.", heading="B", page=2),
        ),
        size_words=100,
        overlap_words=0,
    )
    assert [(c.text, c.heading, c.page) for c in chunks] == [
        ("One.", "A", 1),
        ("Two.", "B", 1),
        ("Three.", "B", 2),
    ]


def test_adjacent_sections_with_same_heading_and_page_merge() -> None:
    chunks = chunk_document(
        _doc(
            Section("First part.", heading="A", page=3),
            Section("Second part.", heading="A", page=3),
        ),
        size_words=100,
        overlap_words=0,
    )
    assert chunks == [ChunkDraft("First part.\n\nSecond part.", position=0, heading="A", page=3)]


def test_paragraphs_are_packed_up_to_the_size() -> None:
    paragraphs = [" ".join(f"p{i}w{j}" for j in range(10)) for i in range(5)]
    chunks = chunk_document(
        _doc(Section("\n\n".join(paragraphs), heading="H")), size_words=25, overlap_words=0
    )
    assert [c.text for c in chunks] == [
        f"{paragraphs[0]}\n\n{paragraphs[1]}",
        f"{paragraphs[2]}\n\n{paragraphs[3]}",
        paragraphs[4],
    ]
    assert [c.position for c in chunks] == [0, 1, 2]
    assert all(c.heading == "H" for c in chunks)


def test_long_paragraph_splits_at_sentences_with_overlap() -> None:
    sentences = [_sentence(i) for i in range(20)]
    chunks = chunk_document(
        _doc(Section(" ".join(sentences), page=4)), size_words=30, overlap_words=10
    )
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(_words(chunk)) <= 30
        assert chunk.text.startswith("Sentence ")
        assert chunk.text.endswith("delta.")
        assert chunk.page == 4
    for first, second in itertools.pairwise(chunks):
        shared = _shared_prefix_suffix(first, second)
        assert shared == 7  # exactly one whole sentence of context, within the 10-word budget
    for sentence in sentences:
        assert any(sentence in chunk.text for chunk in chunks)


def test_no_overlap_means_each_word_appears_once() -> None:
    sentences = [_sentence(i) for i in range(20)]
    chunks = chunk_document(_doc(Section(" ".join(sentences))), size_words=30, overlap_words=0)
    assert " ".join(c.text for c in chunks).split() == " ".join(sentences).split()


def test_overlap_falls_back_to_last_words_when_sentences_are_too_long() -> None:
    # Two 20-word sentences; the overlap budget (5) is smaller than any sentence.
    first = " ".join(f"a{i}" for i in range(19)) + " end."
    second = "Then " + " ".join(f"b{i}" for i in range(19)) + "."
    chunks = chunk_document(_doc(Section(f"{first} {second}")), size_words=25, overlap_words=5)
    assert len(chunks) == 2
    assert _words(chunks[1])[:5] == _words(chunks[0])[-5:]
    assert len(_words(chunks[1])) == 25


def test_very_long_sentence_is_hard_split_with_overlap() -> None:
    tokens = [f"t{i}" for i in range(100)]
    chunks = chunk_document(_doc(Section(" ".join(tokens))), size_words=30, overlap_words=10)
    assert all(len(_words(c)) <= 30 for c in chunks)
    assert _words(chunks[0])[0] == "t0"
    assert _words(chunks[-1])[-1] == "t99"
    for first, second in itertools.pairwise(chunks):
        assert _shared_prefix_suffix(first, second) == 10
    covered = {word for chunk in chunks for word in _words(chunk)}
    assert covered == set(tokens)


def test_long_unpunctuated_block_splits_at_line_breaks() -> None:
    rows = [f"Plan-{i} | {i * 10}USD | monthly" for i in range(12)]  # five "words" a row
    chunks = chunk_document(_doc(Section("\n".join(rows))), size_words=20, overlap_words=0)
    assert len(chunks) == 3
    for chunk in chunks:
        assert all(line in rows for line in chunk.text.split("\n"))


def test_atomic_sections_stay_whole_and_separate() -> None:
    answer = " ".join(f"w{i}" for i in range(30))  # longer than size_words, within twice it
    sections = [
        Section(f"Q: First?\nA: {answer}", heading="First?", atomic=True),
        Section("Q: Second?\nA: Yes.", heading="Second?", atomic=True),
        Section("Q: Second?\nA: Again.", heading="Second?", atomic=True),
    ]
    chunks = chunk_document(_doc(*sections), size_words=20, overlap_words=5)
    assert [c.text for c in chunks] == [s.text for s in sections]
    assert [c.heading for c in chunks] == ["First?", "Second?", "Second?"]
    assert [c.position for c in chunks] == [0, 1, 2]


def test_oversized_atomic_section_is_split_with_heading_on_each_piece() -> None:
    answer = " ".join(f"Step {i} is done." for i in range(30))  # 120 words
    section = Section(f"Q: How?\nA: {answer}", heading="How?", atomic=True)
    chunks = chunk_document(_doc(section), size_words=20, overlap_words=5)
    assert len(chunks) > 1
    assert all(c.heading == "How?" for c in chunks)
    assert all(len(_words(c)) <= 20 for c in chunks)
    assert chunks[0].text.startswith("Q: How?")


def test_atomic_section_is_not_merged_with_a_neighbour_of_same_heading() -> None:
    chunks = chunk_document(
        _doc(Section("Plain.", heading="X"), Section("Q: X\nA: Y", heading="X", atomic=True)),
        size_words=50,
        overlap_words=0,
    )
    assert [c.text for c in chunks] == ["Plain.", "Q: X\nA: Y"]


def test_heading_is_not_repeated_in_chunk_text() -> None:
    chunks = chunk_document(
        _doc(Section("Refunds take five days.", heading="Refunds policy")),
        size_words=50,
        overlap_words=0,
    )
    assert "Refunds policy" not in chunks[0].text


def test_abbreviations_do_not_end_sentences() -> None:
    text = "Use a card, e.g. a debit card or credit card. Then confirm the payment."
    chunks = chunk_document(_doc(Section(text)), size_words=12, overlap_words=0)
    assert [c.text for c in chunks] == [
        "Use a card, e.g. a debit card or credit card.",
        "Then confirm the payment.",
    ]
