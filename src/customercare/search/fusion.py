"""Reciprocal rank fusion: merges rankings by rank, so scores on different scales
(BM25 sums, cosine similarities) never have to be compared."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Ranking:
    ids: Sequence[str]
    weight: float = 1.0


def reciprocal_rank_fusion(rankings: Sequence[Ranking], *, k: int = 60) -> list[tuple[str, float]]:
    """Fused (id, score) pairs, best first; ties keep the order of first appearance."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking.ids, start=1):
            scores[item] = scores.get(item, 0.0) + ranking.weight / (k + rank)
    order = {item: index for index, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))
