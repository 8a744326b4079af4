"""Text to index terms: lower-case words, English stop words removed, Snowball-stemmed.
Queries and documents go through the same function, so they always agree."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import Stemmer

MAX_TERM_LENGTH = 64
_WORD = re.compile(r"\w+", re.UNICODE)

# Lucene's English stop set plus a few question words customers use that carry no topic.
STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "him",
        "her",
        "its",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "should",
        "what",
        "which",
        "who",
        "whom",
        "how",
        "when",
        "where",
        "why",
        "am",
        "been",
        "being",
        "have",
        "has",
        "had",
        "having",
        "so",
        "than",
        "too",
        "very",
        "s",
        "t",
        "just",
    }
)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def analyze(text: str) -> list[str]:
    words = [
        word
        for word in _WORD.findall(text.lower())
        if word not in STOP_WORDS and len(word) <= MAX_TERM_LENGTH
    ]
    stems: list[str] = _stemmer().stemWords(words)
    return stems


def term_frequencies(text: str) -> tuple[Counter[str], int]:
    """Term counts and the length (in terms) of the text, for BM25's length normalisation."""
    terms = analyze(text)
    return Counter(terms), len(terms)
