from __future__ import annotations

import math
from pathlib import Path

import pytest

from customercare.evaluation.metrics import mean, ndcg_at_k, recall_at_k
from customercare.evaluation.trec import read_run, write_run


def test_perfect_ranking_has_ndcg_one() -> None:
    assert ndcg_at_k(["a", "b", "c"], {"a": 1, "b": 1}, 10) == pytest.approx(1.0)


def test_ndcg_discounts_by_rank() -> None:
    value = ndcg_at_k(["x", "a"], {"a": 1}, 10)
    assert value == pytest.approx(1 / math.log2(3))


def test_ndcg_counts_only_the_top_k() -> None:
    assert ndcg_at_k(["x", "y", "a"], {"a": 1}, 2) == 0.0


def test_graded_relevance() -> None:
    ideal = 2 + 1 / math.log2(3)
    got = 1 + 2 / math.log2(3)
    assert ndcg_at_k(["b", "a"], {"a": 2, "b": 1}, 10) == pytest.approx(got / ideal)


def test_recall() -> None:
    assert recall_at_k(["a", "x", "b"], {"a": 1, "b": 1, "c": 1}, 100) == pytest.approx(2 / 3)
    assert recall_at_k(["a", "x", "b"], {"a": 1, "b": 1}, 1) == pytest.approx(1 / 2)
    assert recall_at_k(["a"], {}, 10) == 0.0


def test_mean_of_nothing_is_zero() -> None:
    assert mean([]) == 0.0
    assert mean([1.0, 0.0]) == 0.5


def test_trec_run_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "run.trec"
    write_run(path, {"q1": [("d1", 2.5), ("d2", 1.0)], "q2": [("d3", 0.5)]}, tag="test")
    lines = path.read_text().splitlines()
    assert lines[0] == "q1 Q0 d1 1 2.500000 test"
    assert lines[1].split()[3] == "2"
    assert read_run(path) == {"q1": [("d1", 2.5), ("d2", 1.0)], "q2": [("d3", 0.5)]}
