"""Evidence: a close passage that stands out supports answering; a flat, distant field does not."""

from __future__ import annotations

from customercare.answers.evidence import EvidenceModel, assess
from customercare.search.service import SearchHit, SearchResult
from tests.support.factories import make_chunk

MODEL = EvidenceModel(bias=-6.0, dense_weight=8.0, gap_weight=14.0)


def result(similarities: list[float]) -> SearchResult:
    hits = [
        SearchHit(
            chunk=make_chunk(text="text", position=i),
            rank=i + 1,
            score=s,
            keyword_score=None,
            dense_similarity=s,
        )
        for i, s in enumerate(similarities[:5])
    ]
    return SearchResult(hits=hits, dense_similarities=similarities)


def test_a_standout_passage_gives_high_confidence() -> None:
    peaked = assess(result([0.75, 0.55, 0.4] + [0.25] * 27), model=MODEL)
    flat = assess(result([0.45, 0.44, 0.43] + [0.40] * 27), model=MODEL)
    assert peaked.confidence > 0.8
    assert flat.confidence < 0.3
    assert peaked.gap > flat.gap


def test_no_candidates_means_no_evidence() -> None:
    empty = assess(SearchResult(hits=[]), model=MODEL)
    assert (empty.confidence, empty.dense, empty.gap) == (0.0, 0.0, 0.0)


def test_the_model_is_monotonic_in_both_signals() -> None:
    low = MODEL.probability(dense=0.4, gap=0.1)
    assert MODEL.probability(dense=0.5, gap=0.1) > low
    assert MODEL.probability(dense=0.4, gap=0.2) > low
