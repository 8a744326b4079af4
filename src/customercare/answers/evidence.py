"""How strongly the retrieved passages support answering, as a calibrated probability.

Two signals from the dense retriever, combined by a logistic model fitted on the demo answer
set (``ccgpt eval answers --calibrate`` refits it; docs/answers.md has the figures):
- ``dense``: the best cosine similarity between the question and a passage;
- ``gap``: how far that best passage stands above the runner-up. A question the knowledge base
  answers usually has one passage that stands out; one it does not answer finds several
  loosely related passages at about the same distance.
Keyword overlap, the gap over the typical candidate and more were measured too and did worse
(docs/answers.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from customercare.search.service import SearchResult


@dataclass(frozen=True, slots=True)
class EvidenceModel:
    bias: float
    dense_weight: float
    gap_weight: float

    def probability(self, *, dense: float, gap: float) -> float:
        logit = self.bias + self.dense_weight * dense + self.gap_weight * gap
        return 1.0 / (1.0 + math.exp(-logit))


@dataclass(frozen=True, slots=True)
class Evidence:
    confidence: float
    dense: float
    gap: float


def assess(result: SearchResult, *, model: EvidenceModel) -> Evidence:
    similarities = sorted(result.dense_similarities, reverse=True)
    if not result.hits or not similarities:
        return Evidence(confidence=0.0, dense=0.0, gap=0.0)
    dense = similarities[0]
    gap = dense - similarities[1] if len(similarities) > 1 else dense
    return Evidence(confidence=model.probability(dense=dense, gap=gap), dense=dense, gap=gap)
