"""The keyless generator: an answer composed only of sentences taken from the passages, each
group followed by its passage's [n] marker. It can be terse, but it cannot make things up."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from customercare.answers.guardrails import is_instruction_like, urls_in
from customercare.answers.providers.base import GenerationRequest, Passage
from customercare.search.keyword.analyzer import analyze

MAX_WORDS = 70
MAX_SENTENCES = 5
# Another document's best sentence is added only when it is nearly as good as the answer's.
SECOND_SOURCE_SHARE = 0.9
# When the section heading already names the question, the answer starts at the section's top.
HEADING_COVERAGE_FOR_WHOLE_SECTION = 0.5
# A sentence ends at . ! or ? before a capital, unless the period closes an abbreviation.
_SENTENCE_END = re.compile(
    r"(?<!\b[ap]\.m\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\betc\.)(?<!\bNo\.)(?<!\bMr\.)"
    r"(?<!\bDr\.)(?<!\bSt\.)(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n+"
)
_QA_PREFIX = re.compile(r"^\s*(?:Q|A)\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Sentence:
    position: int
    text: str
    score: float


class OfflineProvider:
    name = "offline"

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        answer = compose(request)
        for index, word in enumerate(answer.split(" ")):
            yield word if index == 0 else " " + word


def compose(request: GenerationRequest) -> str:
    query_terms = set(analyze(request.retrieval_query or request.question))
    weights = {term: request.term_weights.get(term, 1.0) for term in query_terms}
    per_passage = [(passage, list(_sentences(passage, weights))) for passage in request.passages]
    top_score = max((p.score for p in request.passages), default=0.0) or 1.0
    ranked = sorted(
        (
            (_passage_score(passage, sentences, weights, top_score), passage, sentences)
            for passage, sentences in per_passage
            if sentences
        ),
        key=lambda triple: (-triple[0], triple[1].number),
    )
    if not ranked:
        return ""
    best_score, passage, sentences = ranked[0]
    parts = [(passage, _window(passage, sentences, weights))]
    for score, other, other_sentences in ranked[1:2]:
        if other.chunk.document_id != passage.chunk.document_id and (
            score >= SECOND_SOURCE_SHARE * best_score
        ):
            parts.append((other, [max(other_sentences, key=lambda s: s.score).text]))
    return " ".join(f"{' '.join(texts)} [{p.number}]" for p, texts in parts)


def _coverage(terms: set[str], weights: dict[str, float]) -> float:
    total = sum(weights.values()) or 1.0
    return sum(weight for term, weight in weights.items() if term in terms) / total


def _passage_score(
    passage: Passage, sentences: list[_Sentence], weights: dict[str, float], top_score: float
) -> float:
    """Retrieval's ranking leads (it has the dense model); a section whose heading names the
    question, or a sentence that matches it closely, can overtake a slightly better passage."""
    heading = _coverage(set(analyze(passage.chunk.heading or "")), weights)
    sentence = max(s.score for s in sentences)
    return 0.6 * passage.score / top_score + 0.25 * heading + 0.15 * sentence


def _window(passage: Passage, sentences: list[_Sentence], weights: dict[str, float]) -> list[str]:
    """Consecutive sentences from the best one on (or from the section's top when the heading
    already names the question), within the word budget."""
    best = max(range(len(sentences)), key=lambda i: (sentences[i].score, -i))
    covered = _coverage(set(analyze(passage.chunk.heading or "")), weights)
    start = 0 if covered >= HEADING_COVERAGE_FOR_WHOLE_SECTION and best < 3 else best
    chosen: list[str] = []
    words = 0
    for sentence in sentences[start:]:
        length = len(sentence.text.split())
        if chosen and (words + length > MAX_WORDS or len(chosen) >= MAX_SENTENCES):
            break
        chosen.append(sentence.text)
        words += length
    return chosen


def _sentences(passage: Passage, weights: dict[str, float]) -> Iterator[_Sentence]:
    text = passage.chunk.text
    # A passage that tries to instruct the assistant is only partly trusted: its instructions
    # and its links are never repeated.
    suspicious = is_instruction_like(text)
    for position, raw in enumerate(_SENTENCE_END.split(text)):
        sentence = _QA_PREFIX.sub("", raw).strip()
        if len(sentence.split()) < 4 or sentence.endswith("?") or sentence.startswith("#"):
            continue
        if is_instruction_like(sentence) or (suspicious and urls_in(sentence)):
            continue
        score = _coverage(set(analyze(sentence)), weights)
        yield _Sentence(position, sentence, score)
