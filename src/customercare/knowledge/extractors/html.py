"""HTML extraction with BeautifulSoup/lxml: page chrome removed, sections split at h1-h4."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Literal

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from customercare.errors import CorruptFile
from customercare.knowledge.detect import decode_text
from customercare.knowledge.extractors.base import ExtractedDocument, ExtractionLimits, Section

__all__ = ["extract_html"]

# Never content: scripts, chrome around the article, and widgets.
_DROP_ALWAYS = (
    "script",
    "style",
    "nav",
    "footer",
    "aside",
    "noscript",
    "form",
    "svg",
    "template",
    "iframe",
    "button",
)
_SECTION_HEADINGS = frozenset({"h1", "h2", "h3", "h4"})
_BLOCKS = frozenset(
    {
        "address", "article", "blockquote", "body", "caption", "dd", "details", "dialog", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "h5", "h6", "header", "hr", "li", "main",
        "ol", "p", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "ul",
    }
)  # fmt: skip

_Kind = Literal["para", "item", "row", "pre"]


@dataclass
class _Builder:
    sections: list[Section] = field(default_factory=list)
    heading: str | None = None
    blocks: list[tuple[_Kind, str]] = field(default_factory=list)
    inline: list[str] = field(default_factory=list)
    item_depth: int = 0  # inside <li>, text before a nested list is still a list item

    def text(self, value: str) -> None:
        self.inline.append(value)

    def end_block(self, kind: _Kind | None = None) -> None:
        kind = kind or ("item" if self.item_depth else "para")
        # Collapse HTML whitespace but keep the line breaks <br> asked for.
        lines = (" ".join(line.split()) for line in "".join(self.inline).split("\n"))
        text = "\n".join(line for line in lines if line)
        self.inline = []
        if text:
            self.blocks.append((kind, text))

    def add_block(self, kind: _Kind, text: str) -> None:
        self.end_block()
        if text.strip():
            self.blocks.append((kind, text.strip("\n")))

    def start(self, heading: str) -> None:
        self.flush()
        self.heading = heading or None

    def flush(self) -> None:
        self.end_block()
        if self.blocks:
            self.sections.append(Section(text=_join(self.blocks), heading=self.heading))
        self.blocks = []


def _join(blocks: list[tuple[_Kind, str]]) -> str:
    # List items and table rows stay on consecutive lines; other blocks become paragraphs.
    parts = [blocks[0][1]]
    for (prev_kind, _), (kind, text) in itertools.pairwise(blocks):
        same_run = kind == prev_kind and kind in ("item", "row")
        parts.append(("\n" if same_run else "\n\n") + text)
    return "".join(parts)


def extract_html(data: bytes, *, limits: ExtractionLimits) -> ExtractedDocument:
    del limits  # HTML has no pages
    soup = BeautifulSoup(decode_text(data), "lxml")
    title = _title(soup)
    for tag in soup.find_all(_DROP_ALWAYS):
        tag.decompose()
    # What a reader never sees is not knowledge, and hidden text is where injected
    # instructions for AI assistants like to sit.
    for tag in soup.find_all(_is_hidden):
        tag.decompose()
    # A page-level <header> is chrome; an article's own <header> holds its title and byline.
    for tag in soup.find_all("header"):
        if not tag.find_parent(("main", "article")):
            tag.decompose()
    builder = _Builder()
    try:
        for root in _content_roots(soup):
            _walk(root, builder)
            builder.end_block()
    except RecursionError as exc:
        raise CorruptFile("This HTML page is nested too deeply to read.") from exc
    builder.flush()
    return ExtractedDocument(title=title, sections=builder.sections)


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def _is_hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
        return True
    return bool(_HIDDEN_STYLE.search(str(tag.get("style", ""))))


def _title(soup: BeautifulSoup) -> str | None:
    for candidate in (soup.title, soup.find("h1")):
        if isinstance(candidate, Tag):
            text = " ".join(candidate.get_text(" ").split())
            if text:
                return text
    return None


def _content_roots(soup: BeautifulSoup) -> list[Tag]:
    """The article content: <main>, else the <article>s, else the whole body."""
    main = soup.find("main")
    if isinstance(main, Tag):
        return [main]
    articles = [tag for tag in soup.find_all("article") if not tag.find_parent("article")]
    if articles:
        return articles
    body = soup.body
    return [body] if body is not None else [soup]


def _walk(node: Tag, builder: _Builder) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, PreformattedString):  # comments, doctype, CDATA
                builder.text(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name in _SECTION_HEADINGS:
            builder.start(" ".join(child.get_text(" ").split()))
        elif name == "br":
            builder.text("\n")
        elif name == "tr":
            cells = (" ".join(c.get_text(" ").split()) for c in child.find_all(("td", "th")))
            builder.add_block("row", " | ".join(cell for cell in cells if cell))
        elif name == "pre":
            builder.add_block("pre", child.get_text())
        elif name == "li":
            builder.end_block()
            builder.item_depth += 1
            _walk(child, builder)
            builder.end_block()
            builder.item_depth -= 1
        elif name in _BLOCKS:
            builder.end_block()
            _walk(child, builder)
            builder.end_block()
        else:
            _walk(child, builder)
