"""K-fold cross-validation of retrieval settings: every query is scored with the setting that
won on the other folds, so no query helps choose the setting it is measured with.

With one judged split (SciFact has only train here), a single fixed half is a noisy estimate:
per-query nDCG varies so much that two halves of the same 809 queries differ by several points.
Cross-validation uses every query once as unseen data, and repeating it over several shuffles
shows how much the fold assignment itself moves the figure."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from customercare.evaluation.metrics import mean

# candidate name -> query id -> (nDCG@10, Recall@100)
QueryScores = Mapping[str, Mapping[str, tuple[float, float]]]


@dataclass(frozen=True, slots=True)
class FoldChoice:
    fold: int
    candidate: str
    queries: int
    train_ndcg: float
    test_ndcg: float


@dataclass(frozen=True, slots=True)
class CrossValidationReport:
    folds: int
    repeats: int
    # Means over every query, each scored on the fold where it was unseen; averaged over repeats.
    ndcg_at_10: float
    recall_at_100: float
    # Standard deviation of the nDCG over repeats (how much the fold assignment matters).
    repeat_spread: float
    # Bootstrap 95% interval of the cross-validated nDCG over queries.
    interval: tuple[float, float]
    candidate_ndcg: dict[str, float]
    # The first repeat's choices, fold by fold.
    choices: list[FoldChoice]


def cross_validate(
    scores: QueryScores, *, folds: int, repeats: int = 10, seed: int = 0
) -> CrossValidationReport:
    """Choose a candidate on K-1 folds by mean nDCG@10 (ties go to the earlier candidate), score
    the remaining fold with it; repeat for every fold and ``repeats`` shuffles."""
    candidates = list(scores)
    if not candidates:
        raise ValueError("no candidates to cross-validate")
    queries = sorted(scores[candidates[0]])
    if any(sorted(scores[name]) != queries for name in candidates):
        raise ValueError("every candidate must score the same queries")
    if not 2 <= folds <= len(queries):
        raise ValueError(f"folds must be between 2 and the number of queries ({len(queries)})")
    rng = random.Random(seed)  # noqa: S311  # nosec B311: reproducible shuffles, not secrets
    per_query_ndcg = dict.fromkeys(queries, 0.0)
    per_query_recall = dict.fromkeys(queries, 0.0)
    repeat_means: list[float] = []
    first_choices: list[FoldChoice] = []
    for repeat in range(repeats):
        order = queries[:]
        rng.shuffle(order)
        assignment = {query: index % folds for index, query in enumerate(order)}
        run_ndcg: list[float] = []
        for fold in range(folds):
            train = [q for q in queries if assignment[q] != fold]
            test = [q for q in queries if assignment[q] == fold]
            chosen = max(
                candidates,
                key=lambda name: (_mean_ndcg(scores[name], train), -candidates.index(name)),
            )
            for query in test:
                ndcg, recall = scores[chosen][query]
                per_query_ndcg[query] += ndcg / repeats
                per_query_recall[query] += recall / repeats
                run_ndcg.append(ndcg)
            if repeat == 0:
                first_choices.append(
                    FoldChoice(
                        fold=fold + 1,
                        candidate=chosen,
                        queries=len(test),
                        train_ndcg=_mean_ndcg(scores[chosen], train),
                        test_ndcg=_mean_ndcg(scores[chosen], test),
                    )
                )
        repeat_means.append(mean(run_ndcg))
    average = mean(repeat_means)
    spread = mean([(value - average) ** 2 for value in repeat_means]) ** 0.5
    return CrossValidationReport(
        folds=folds,
        repeats=repeats,
        ndcg_at_10=mean(list(per_query_ndcg.values())),
        recall_at_100=mean(list(per_query_recall.values())),
        repeat_spread=spread,
        interval=bootstrap_interval(list(per_query_ndcg.values()), seed=seed),
        candidate_ndcg={name: _mean_ndcg(scores[name], queries) for name in candidates},
        choices=first_choices,
    )


def bootstrap_interval(
    values: Sequence[float], *, samples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap 95% interval of the mean."""
    if not values:
        return (0.0, 0.0)
    rng = random.Random(seed)  # noqa: S311  # nosec B311: reproducible resampling
    size = len(values)
    means = sorted(mean([values[rng.randrange(size)] for _ in range(size)]) for _ in range(samples))
    return means[int(samples * 0.025)], means[min(samples - 1, int(samples * 0.975))]


def _mean_ndcg(scores: Mapping[str, tuple[float, float]], queries: Sequence[str]) -> float:
    return mean([scores[query][0] for query in queries])
