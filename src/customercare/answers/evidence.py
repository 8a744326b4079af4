"""How strongly the retrieved passages support answering, as a calibrated probability.

Two signals from the dense retriever, combined by a logistic model fitted on the demo answer
set (``ccgpt eval answers --calibrate`` refits it; docs/answers.md has the figures):
- ``dense``: the best cosine similarity between the question and a passage;
- ``gap``: how far that best similarity stands above the typical candidate (the mean of
  candidates 6 to 30). A question the knowledge base answers has a few passages that stand
  out; one it does not answer finds a flat field of loosely related passages.
Keyword overlap was measured too and added nothing once these two were in (docs/answers.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from customercare.search.service import SearchResult

PASSAGES_CONSIDERED = 3
FIELD_START, FIELD_END = 5, 30


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
    field = similarities[FIELD_START:FIELD_END] or similarities[-1:]
    gap = dense - sum(field) / len(field)
    return Evidence(confidence=model.probability(dense=dense, gap=gap), dense=dense, gap=gap)
