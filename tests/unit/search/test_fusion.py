from __future__ import annotations

import pytest

from customercare.search.fusion import Ranking, convex_combination, reciprocal_rank_fusion


def test_items_ranked_high_by_both_win() -> None:
    fused = reciprocal_rank_fusion([Ranking(["a", "b", "c"]), Ranking(["b", "a", "d"])], k=60)
    assert [item for item, _ in fused][:2] in (["a", "b"], ["b", "a"])
    assert {item for item, _ in fused} == {"a", "b", "c", "d"}


def test_scores_follow_the_formula() -> None:
    fused = dict(reciprocal_rank_fusion([Ranking(["x", "y"]), Ranking(["y"])], k=10))
    assert fused["x"] == pytest.approx(1 / 11)
    assert fused["y"] == pytest.approx(1 / 12 + 1 / 11)


def test_weights_shift_the_balance() -> None:
    keyword, dense = Ranking(["k1", "k2"], weight=3.0), Ranking(["d1", "d2"], weight=1.0)
    fused = [item for item, _ in reciprocal_rank_fusion([keyword, dense], k=60)]
    assert fused[:2] == ["k1", "k2"]


def test_empty_rankings_fuse_to_nothing() -> None:
    assert reciprocal_rank_fusion([Ranking([]), Ranking([])]) == []


def test_convex_combination_normalises_each_list() -> None:
    keyword = [("a", 12.0), ("b", 6.0), ("c", 0.0)]
    dense = [("b", 0.9), ("a", 0.5)]
    fused = dict(convex_combination(keyword, dense, keyword_weight=0.5))
    assert fused["a"] == pytest.approx(0.5 * 1.0 + 0.5 * 0.0)
    assert fused["b"] == pytest.approx(0.5 * 0.5 + 0.5 * 1.0)
    assert fused["c"] == pytest.approx(0.0)
    assert next(iter(convex_combination(keyword, dense)))[0] == "b"


def test_convex_weight_decides_between_retrievers() -> None:
    keyword, dense = [("k", 5.0), ("d", 1.0)], [("d", 0.8), ("k", 0.2)]
    assert convex_combination(keyword, dense, keyword_weight=0.9)[0][0] == "k"
    assert convex_combination(keyword, dense, keyword_weight=0.1)[0][0] == "d"


def test_convex_single_item_lists() -> None:
    assert convex_combination([("x", 3.0)], []) == [("x", 0.5)]
    assert convex_combination([], []) == []
