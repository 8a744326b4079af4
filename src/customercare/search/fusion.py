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


def convex_combination(
    keyword: Sequence[tuple[str, float]],
    dense: Sequence[tuple[str, float]],
    *,
    keyword_weight: float = 0.5,
) -> list[tuple[str, float]]:
    """Weighted sum of min-max normalised scores; an item missing from a list scores 0 there.
    Unlike RRF it keeps how far apart the scores are, not only their order."""
    fused: dict[str, float] = {}
    for pairs, weight in ((keyword, keyword_weight), (dense, 1.0 - keyword_weight)):
        for item, value in _min_max(pairs):
            fused[item] = fused.get(item, 0.0) + weight * value
    order = {item: index for index, item in enumerate(fused)}
    return sorted(fused.items(), key=lambda pair: (-pair[1], order[pair[0]]))


def _min_max(pairs: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    if not pairs:
        return []
    values = [value for _, value in pairs]
    low, high = min(values), max(values)
    span = high - low
    return [(item, (value - low) / span if span > 0 else 1.0) for item, value in pairs]
