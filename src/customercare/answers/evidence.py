"""How strongly the retrieved passages support answering, as a calibrated probability.

Two signals, combined by a logistic model fitted on the demo answer set
(``ccgpt eval answers --calibrate`` refits it; docs/answers.md has the figures):
- ``dense``: the best cosine similarity between the question and a passage;
- ``coverage``: the idf-weighted share of the question's terms that the best passage holds.
  A term no document contains carries the highest weight, so "store hours in Denver" against
  a knowledge base that never mentions Denver scores low even when "store hours" match."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from customercare.search.keyword.analyzer import analyze
from customercare.search.service import SearchHit
from customercare.search.types import indexing_text

PASSAGES_CONSIDERED = 3


@dataclass(frozen=True, slots=True)
class EvidenceModel:
    bias: float
    dense_weight: float
    coverage_weight: float

    def probability(self, *, dense: float, coverage: float) -> float:
        logit = self.bias + self.dense_weight * dense + self.coverage_weight * coverage
        return 1.0 / (1.0 + math.exp(-logit))


@dataclass(frozen=True, slots=True)
class Evidence:
    confidence: float
    dense: float
    coverage: float


def assess(
    *, term_weights: dict[str, float], hits: Sequence[SearchHit], model: EvidenceModel
) -> Evidence:
    """``term_weights``: the workspace idf of each term of the question (search.keyword)."""
    if not hits or not term_weights:
        return Evidence(confidence=0.0, dense=0.0, coverage=0.0)
    top = hits[:PASSAGES_CONSIDERED]
    dense = max((hit.dense_similarity or 0.0) for hit in top)
    weights = term_weights
    coverage = max(_coverage(weights, hit) for hit in top)
    return Evidence(
        confidence=model.probability(dense=dense, coverage=coverage),
        dense=dense,
        coverage=coverage,
    )


def _coverage(weights: dict[str, float], hit: SearchHit) -> float:
    chunk = hit.chunk
    present = set(analyze(indexing_text(title=chunk.title, heading=chunk.heading, text=chunk.text)))
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    return sum(weight for term, weight in weights.items() if term in present) / total
