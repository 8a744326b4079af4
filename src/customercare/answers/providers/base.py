"""What a generator receives and the one method it has."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

from customercare.search.service import Chunk


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved chunk as the generator sees it; ``number`` is its citation marker ``[n]``."""

    number: int
    chunk: Chunk
    score: float


@dataclass(frozen=True, slots=True)
class Turn:
    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    question: str
    passages: list[Passage]
    history: list[Turn] = field(default_factory=list)
    # Shown to the model as the business it speaks for.
    assistant_name: str = "the support assistant"
    # The question as retrieval saw it (a follow-up joined to the question it follows) and the
    # workspace's idf of its terms: what the offline composer matches sentences against.
    retrieval_query: str | None = None
    term_weights: dict[str, float] = field(default_factory=dict)


class ProviderError(Exception):
    """The generator could not produce an answer (after its own retries)."""


class AnswerProvider(Protocol):
    name: str

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Yield the answer as text deltas; raise ProviderError on failure."""
        ...
