"""Markdown extraction: sections split at ATX and setext headings, syntax stripped lightly."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from customercare.knowledge.detect import decode_text
from customercare.knowledge.extractors.base import (
    ExtractedDocument,
    ExtractionLimits,
    Section,
    check_chars,
)

__all__ = ["extract_markdown", "strip_markdown"]

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t](.*))?$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_NOT_SETEXT_TEXT = re.compile(r"^ {0,3}([-*+>|]|\d+[.)])")

# Line-level noise: reference definitions, thematic breaks, table separator rows.
_DROP_LINE = re.compile(
    r"^ {0,3}(\[[^\]]+\]:[ \t]*\S+.*|([-*_])([ \t]*\2){2,}[ \t]*|"
    r"\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*)$"
)
# Uploads are untrusted: each pattern's body excludes its own delimiters, so a hostile line
# full of "[" or "**" is processed in linear rather than quadratic time.
_INLINE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!\[[^\[\]\n]*\](?:\([^()\n]*\)|\[[^\[\]\n]*\])"), ""),  # images
    (re.compile(r"\[([^\[\]\n]+)\](?:\([^()\n]*\)|\[[^\[\]\n]*\])"), r"\1"),  # links: keep text
    (re.compile(r"<((?:https?|mailto):[^<>\s]+|[^<>@\s]+@[^<>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"</?[A-Za-z][^<>\n]*>"), ""),  # inline HTML tags
    (re.compile(r"(`+)([^`\n]+)\1"), r"\2"),  # inline code: keep the code
    (re.compile(r"\*\*(?=\S)([^*\n]+)(?<=\S)\*\*"), r"\1"),
    (re.compile(r"(?<![\w_])__(?=\S)([^_\n]+)(?<=\S)__(?![\w_])"), r"\1"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"~~([^~\n]+)~~"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<])"), r"\1"),  # backslash escapes
)


@dataclass
class _Builder:
    sections: list[Section] = field(default_factory=list)
    heading: str | None = None
    lines: list[str] = field(default_factory=list)

    def start(self, heading: str) -> None:
        self.flush()
        self.heading = heading or None

    def flush(self) -> None:
        text = strip_markdown("\n".join(self.lines))
        if text:
            self.sections.append(Section(text=text, heading=self.heading))
        self.lines = []


def extract_markdown(data: bytes, *, limits: ExtractionLimits) -> ExtractedDocument:
    text = decode_text(data).lstrip("\ufeff")
    check_chars(len(text), limits)  # before any parsing: a huge file costs no more
    front_title, body = _split_front_matter(text)
    sections, first_h1 = _split_sections(body)
    return ExtractedDocument(title=front_title or first_h1, sections=sections)


def _split_front_matter(text: str) -> tuple[str | None, str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, text
    title = _FRONT_TITLE.search(match.group(1))
    # No YAML parser for one key: strip the quotes YAML allows around a scalar.
    value = title.group(1).strip().strip("'\"").strip() if title else ""
    return value or None, text[match.end() :]


def _split_sections(body: str) -> tuple[list[Section], str | None]:
    builder = _Builder()
    first_h1: str | None = None
    fence: str | None = None
    for line in body.split("\n"):
        if fence is not None:
            builder.lines.append(line)
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            continue
        if opening := _FENCE.match(line):
            fence = opening.group(1)
            builder.lines.append(line)
            continue
        if atx := _ATX.match(line):
            heading = _inline(_strip_closing_hashes(atx.group(2) or ""))
            if len(atx.group(1)) == 1 and first_h1 is None and heading:
                first_h1 = heading
            builder.start(heading)
        elif _is_setext_underline(line, builder.lines):
            heading = _inline(builder.lines.pop())
            if line.strip().startswith("=") and first_h1 is None and heading:
                first_h1 = heading
            builder.start(heading)
        else:
            builder.lines.append(line)
    builder.flush()
    return builder.sections, first_h1


def _strip_closing_hashes(text: str) -> str:
    # "## Refunds ##": the closing run counts only after a space (a regex would backtrack).
    text = text.strip()
    without = text.rstrip("#")
    if without != text and (not without or without[-1] in " \t"):
        return without.strip()
    return text


def _is_setext_underline(line: str, previous: list[str]) -> bool:
    if not _SETEXT.match(line) or not previous or not previous[-1].strip():
        return False
    # "---" under a list item, quote, table row or code fence is a thematic break.
    return not (_NOT_SETEXT_TEXT.match(previous[-1]) or _FENCE.match(previous[-1]))


def strip_markdown(text: str) -> str:
    """Plain words from Markdown: link text without URLs, no images, code kept verbatim."""
    out: list[str] = []
    fence: str | None = None
    # Comments may span lines, so they go before the line-by-line pass.
    for line in _drop_comments(text).split("\n"):
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            else:
                out.append(line.rstrip())
            continue
        if opening := _FENCE.match(line):
            fence = opening.group(1)
            continue
        if _DROP_LINE.match(line):
            continue
        # Inline rules run per line so that code blocks stay verbatim.
        out.append(_inline(_clean_line(line), keep_lines=True))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def _drop_comments(text: str) -> str:
    # str.find instead of a lazy regex: an unclosed "<!--" must not be rescanned per match.
    parts: list[str] = []
    position = 0
    while (start := text.find("<!--", position)) != -1:
        end = text.find("-->", start + 4)
        if end == -1:
            break
        parts.append(text[position:start])
        position = end + 3
    parts.append(text[position:])
    return "".join(parts)


def _clean_line(line: str) -> str:
    line = re.sub(r"^ {0,3}(> ?)+", "", line)  # block quotes
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
        line = " | ".join(cell.strip() for cell in stripped[1:-1].split("|"))
    return line.rstrip()


def _inline(text: str, *, keep_lines: bool = False) -> str:
    for pattern, replacement in _INLINE_RULES:
        text = pattern.sub(replacement, text)
    return text.rstrip() if keep_lines else " ".join(text.split())
