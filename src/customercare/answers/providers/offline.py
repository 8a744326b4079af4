"""The keyless generator: an answer composed only of sentences taken from the passages, each
group followed by its passage's [n] marker. It can be terse, but it cannot make things up."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from customercare.answers.guardrails import is_instruction_like, urls_in
from customercare.answers.providers.base import GenerationRequest, Passage
from customercare.search.service import Embedder, analyze

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


# Sentences of this many top passages are embedded to be compared with the question.
EMBEDDED_PASSAGES = 3
EMBEDDED_SENTENCES = 12
SEMANTIC_SHARE = 0.5


class OfflineProvider:
    """With an embedder, sentences are chosen by meaning as well as by shared words."""

    name = "offline"

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.embedder = embedder

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        return word_deltas(compose(request, embedder=self.embedder))


def word_deltas(text: str) -> Iterator[str]:
    """Text as a stream of words, each after its space: what a token stream looks like."""
    for index, word in enumerate(text.split(" ")):
        yield word if index == 0 else " " + word


def compose(request: GenerationRequest, *, embedder: Embedder | None = None) -> str:
    query = request.retrieval_query or request.question
    weights = {term: request.term_weights.get(term, 1.0) for term in set(analyze(query))}
    per_passage = [(passage, list(_sentences(passage, weights))) for passage in request.passages]
    if embedder is not None:
        per_passage = _with_meaning(per_passage, query, embedder)
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


def _with_meaning(
    per_passage: list[tuple[Passage, list[_Sentence]]], query: str, embedder: Embedder
) -> list[tuple[Passage, list[_Sentence]]]:
    """Blend each sentence's word overlap with its cosine similarity to the question."""
    pool = [s for _, sentences in per_passage[:EMBEDDED_PASSAGES] for s in sentences]
    # Embedding costs about 2 ms a sentence on two cores: only the likeliest are compared.
    considered = sorted(pool, key=lambda s: -s.score)[:EMBEDDED_SENTENCES]
    if not considered:
        return per_passage
    vectors = embedder.embed([query] + [s.text for s in considered])
    question = vectors[0]
    meaning = {
        id(sentence): sum(a * b for a, b in zip(question, vector, strict=True))
        for sentence, vector in zip(considered, vectors[1:], strict=True)
    }
    return [
        (
            passage,
            [
                _Sentence(
                    s.position,
                    s.text,
                    (1 - SEMANTIC_SHARE) * s.score + SEMANTIC_SHARE * meaning[id(s)],
                )
                if id(s) in meaning
                else s
                for s in sentences
            ],
        )
        for passage, sentences in per_passage
    ]


def _coverage(terms: set[str], weights: dict[str, float]) -> float:
    total = sum(weights.values()) or 1.0
    return sum(weight for term, weight in weights.items() if term in terms) / total


def _passage_score(
    passage: Passage, sentences: list[_Sentence], weights: dict[str, float], top_score: float
) -> float:
    """Retrieval's ranking leads (it has the dense model); a section whose heading names the
    question, or a sentence that matches it closely, can overtake a slightly better passage."""
    heading = _coverage(set(analyze(passage.chunk.heading or "")), weights)
    # A heading that names the question speaks for its steps, which rarely repeat its words.
    sentence = max(max(s.score for s in sentences), heading)
    return 0.3 * passage.score / top_score + 0.1 * heading + 0.6 * sentence


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
