from __future__ import annotations

import pytest

from customercare.evaluation.cross_validation import bootstrap_interval, cross_validate


def uniform(queries: list[str], ndcg: float, recall: float = 1.0) -> dict[str, tuple[float, float]]:
    return dict.fromkeys(queries, (ndcg, recall))


QUERIES = [f"q{i}" for i in range(10)]


def test_a_setting_better_everywhere_is_chosen_in_every_fold() -> None:
    scores = {"weak": uniform(QUERIES, 0.4, 0.5), "strong": uniform(QUERIES, 0.7, 0.9)}
    report = cross_validate(scores, folds=5, repeats=3)
    assert [choice.candidate for choice in report.choices] == ["strong"] * 5
    assert sum(choice.queries for choice in report.choices) == len(QUERIES)
    assert report.ndcg_at_10 == pytest.approx(0.7)
    assert report.recall_at_100 == pytest.approx(0.9)
    assert report.repeat_spread == pytest.approx(0.0)
    assert report.candidate_ndcg == {"weak": pytest.approx(0.4), "strong": pytest.approx(0.7)}


def test_a_query_never_helps_choose_the_setting_it_is_scored_with() -> None:
    # "lucky" wins overall only thanks to one query; left out, that query is scored with the
    # setting the other queries prefer, so the cross-validated figure falls below both the
    # in-sample best and the steady setting.
    epsilon = 0.01
    lucky = uniform(QUERIES, 0.5 - epsilon)
    lucky["q0"] = (1.0, 1.0)
    scores = {"steady": uniform(QUERIES, 0.5), "lucky": lucky}
    report = cross_validate(scores, folds=len(QUERIES), repeats=1)
    choices = {choice.candidate for choice in report.choices}
    assert choices == {"steady", "lucky"}
    expected = (0.5 + (len(QUERIES) - 1) * (0.5 - epsilon)) / len(QUERIES)
    assert report.ndcg_at_10 == pytest.approx(expected)
    assert report.ndcg_at_10 < report.candidate_ndcg["lucky"]
    assert report.ndcg_at_10 < report.candidate_ndcg["steady"]


def test_ties_go_to_the_earlier_candidate() -> None:
    scores = {"first": uniform(QUERIES, 0.6), "second": uniform(QUERIES, 0.6)}
    report = cross_validate(scores, folds=2, repeats=1)
    assert {choice.candidate for choice in report.choices} == {"first"}


def test_the_same_seed_gives_the_same_report() -> None:
    scores = {
        "a": {q: (i / 10, 1.0) for i, q in enumerate(QUERIES)},
        "b": {q: ((9 - i) / 10, 1.0) for i, q in enumerate(QUERIES)},
    }
    assert cross_validate(scores, folds=3, seed=7) == cross_validate(scores, folds=3, seed=7)


@pytest.mark.parametrize(
    ("scores", "folds", "message"),
    [
        ({}, 2, "no candidates"),
        ({"a": uniform(QUERIES, 0.5), "b": uniform(QUERIES[:5], 0.5)}, 2, "same queries"),
        ({"a": uniform(QUERIES, 0.5)}, 1, "folds must be between 2 and"),
        ({"a": uniform(QUERIES, 0.5)}, 11, "folds must be between 2 and"),
    ],
)
def test_unusable_input_is_refused(
    scores: dict[str, dict[str, tuple[float, float]]], folds: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        cross_validate(scores, folds=folds)


def test_bootstrap_interval_brackets_the_mean() -> None:
    values = [0.0, 1.0] * 50
    low, high = bootstrap_interval(values)
    assert low < 0.5 < high
    assert high - low < 0.3
    assert bootstrap_interval([0.7] * 20) == pytest.approx((0.7, 0.7))
    assert bootstrap_interval([]) == (0.0, 0.0)
