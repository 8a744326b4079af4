"""Structure-aware chunking: passages never cross a heading or page boundary.

Within a section, paragraphs are packed up to ``size_words``; a paragraph that is too long is
cut at sentence boundaries, then at line breaks, and only as a last resort mid-sentence.
Consecutive chunks of one section share about ``overlap_words`` words of context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from customercare.knowledge.extractors.base import ExtractedDocument, Section
from customercare.search.service import ChunkDraft

__all__ = ["chunk_document"]

# A sentence ends at . ! ? (or CJK equivalents) followed by space and a non-lowercase letter,
# which keeps "e.g. this" and "approx. five" in one sentence.
_ENDS = ".!?\u3002\uff01\uff1f"  # ASCII and full-width (CJK) sentence enders
_SENTENCE_END = re.compile(rf"(?:(?<=[{_ENDS}])|(?<=[{_ENDS}][\"')\]]))\s+(?=[^a-z\s])")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


@dataclass(frozen=True, slots=True)
class _Unit:
    """An indivisible piece of text and how it joins the piece before it."""

    text: str
    words: int
    joiner: str  # "\n\n" starts a paragraph, "\n" a line, " " continues a paragraph


@dataclass(frozen=True, slots=True)
class _Block:
    text: str
    heading: str | None
    page: int | None
    atomic: bool


def chunk_document(
    document: ExtractedDocument, *, size_words: int, overlap_words: int
) -> list[ChunkDraft]:
    """Cut ``document`` into chunks of at most ``size_words`` words, in document order."""
    if size_words <= 0:
        raise ValueError("size_words must be positive")
    if not 0 <= overlap_words < size_words:
        raise ValueError("overlap_words must be >= 0 and smaller than size_words")
    pieces: list[tuple[str, _Block]] = []
    for block in _merge_sections(document.sections):
        if block.atomic and _count(block.text) <= size_words * 2:
            texts = [_normalize(block.text)]  # an FAQ answer stays whole
        else:
            texts = _split(block.text, size_words, overlap_words)
        pieces.extend((text, block) for text in texts)
    return [
        ChunkDraft(text=text, position=position, heading=block.heading, page=block.page)
        for position, (text, block) in enumerate(pieces)
    ]


def _merge_sections(sections: list[Section]) -> list[_Block]:
    """Join consecutive non-atomic sections that share heading and page; drop empty ones."""
    blocks: list[_Block] = []
    for section in sections:
        text = section.text.strip()
        if not text:
            continue
        previous = blocks[-1] if blocks else None
        if (
            previous is not None
            and not previous.atomic
            and not section.atomic
            and (previous.heading, previous.page) == (section.heading, section.page)
        ):
            blocks[-1] = _Block(f"{previous.text}\n\n{text}", section.heading, section.page, False)
        else:
            blocks.append(_Block(text, section.heading, section.page, section.atomic))
    return blocks


def _count(text: str) -> int:
    return len(text.split())


def _normalize(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.strip().split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


# -- splitting into units ------------------------------------------------------------------------


def _units(text: str, size: int, overlap: int) -> list[_Unit]:
    units: list[_Unit] = []
    for paragraph in _PARAGRAPH_BREAK.split(text.strip()):
        paragraph = _normalize(paragraph)
        if not paragraph:
            continue
        pieces = _split_paragraph(paragraph, size, overlap)
        first, *rest = pieces
        units.append(_Unit(first.text, first.words, "\n\n"))
        units.extend(rest)
    return units


def _split_paragraph(paragraph: str, size: int, overlap: int) -> list[_Unit]:
    if _count(paragraph) <= size:
        return [_Unit(paragraph, _count(paragraph), "\n\n")]
    units: list[_Unit] = []
    for sentence in _SENTENCE_END.split(paragraph):
        units.extend(_split_sentence(sentence.strip(), size, overlap))
    return units


def _split_sentence(sentence: str, size: int, overlap: int) -> list[_Unit]:
    if _count(sentence) <= size:
        return [_Unit(" ".join(sentence.split()), _count(sentence), " ")]
    units: list[_Unit] = []
    for line in sentence.split("\n"):
        words = line.split()
        if len(words) <= size:
            if words:
                units.append(_Unit(" ".join(words), len(words), "\n"))
            continue
        # Hard split; windows leave room for the overlap so consecutive pieces still share it.
        step = size - overlap
        units.extend(
            _Unit(" ".join(words[i : i + step]), len(words[i : i + step]), " ")
            for i in range(0, len(words), step)
        )
    return units


# -- packing -------------------------------------------------------------------------------------


def _split(text: str, size: int, overlap: int) -> list[str]:
    chunks: list[list[_Unit]] = []
    current: list[_Unit] = []
    fresh = False  # does ``current`` hold anything not already in the previous chunk?
    for unit in _units(text, size, overlap):
        if fresh and _total(current) + unit.words > size:
            chunks.append(current)
            current = _overlap_tail(current, overlap, room=size - unit.words)
        current.append(unit)
        fresh = True
    if fresh:
        chunks.append(current)
    return [_render(chunk) for chunk in chunks]


def _total(units: list[_Unit]) -> int:
    return sum(unit.words for unit in units)


def _overlap_tail(units: list[_Unit], overlap: int, room: int) -> list[_Unit]:
    """The end of a finished chunk to repeat at the start of the next one.

    Whole units (paragraphs, sentences) are preferred; if the last one is too long, its last
    sentences, and failing that its last words, are used.
    """
    budget = min(overlap, room)
    if budget <= 0:
        return []
    tail: list[_Unit] = []
    for unit in reversed(units):
        if _total(tail) + unit.words > budget:
            if not tail:
                tail = _partial_tail(unit, budget)
            break
        tail.insert(0, unit)
    return tail


def _partial_tail(unit: _Unit, budget: int) -> list[_Unit]:
    sentences = [s.strip() for s in _SENTENCE_END.split(unit.text) if s.strip()]
    picked: list[str] = []
    for sentence in reversed(sentences):
        if _count(" ".join([sentence, *picked])) > budget:
            break
        picked.insert(0, sentence)
    if not picked:
        picked = unit.text.split()[-budget:]
    text = " ".join(picked)
    return [_Unit(text, _count(text), unit.joiner)]


def _render(units: list[_Unit]) -> str:
    parts = [units[0].text]
    parts.extend(unit.joiner + unit.text for unit in units[1:])
    return "".join(parts).strip()
