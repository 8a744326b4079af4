"""The evaluation and benchmark run end to end through the real pipeline on a tiny dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from customercare.evaluation.beir import BeirDataset, load_dataset
from customercare.evaluation.benchmark import run_benchmark
from customercare.evaluation.retrieval import (
    LoadedCorpus,
    SettingsCandidate,
    evaluate,
    loaded_corpus,
    run_queries,
    score_candidates,
    score_queries,
)
from customercare.tenancy.models import Workspace
from tests.support.beir_fixture import write_dataset


def test_evaluation_scores_every_mode_and_cleans_up(runtime: Any, tmp_path: Path) -> None:
    dataset = load_dataset(write_dataset(tmp_path), split="test")
    stages: set[str] = set()
    reports = evaluate(
        runtime,
        dataset,
        modes=["bm25", "dense", "hybrid"],
        name="tiny",
        progress=lambda stage, done, total: stages.add(stage),
    )
    assert [r.mode for r in reports] == ["bm25", "dense", "hybrid"]
    for report in reports:
        assert report.queries == 5
        assert report.load.documents == 6
        assert 0.6 <= report.ndcg_at_10 <= 1.0
        assert report.recall_at_100 == 1.0
        low, high = report.ndcg_interval
        assert 0.0 <= low <= report.ndcg_at_10 <= high <= 1.0
        assert set(report.runs) == {"q1", "q2", "q3", "q4", "q5"}
    hybrid = reports[-1]
    assert hybrid.runs["q3"][0][0] == "d3"
    assert stages == {"ingest", "search"}
    with runtime.sessions() as session:
        names = set(session.scalars(select(Workspace.name)))
    assert "beir-eval tiny" not in names


def test_kept_workspace_is_reused_without_ingesting_again(runtime: Any, tmp_path: Path) -> None:
    dataset = load_dataset(write_dataset(tmp_path), split="test")
    first = evaluate(runtime, dataset, modes=["bm25"], name="kept", keep=True)[0]
    second = evaluate(runtime, dataset, modes=["bm25"], name="kept", keep=True)[0]
    assert first.load.seconds > 0
    assert second.load.seconds == 0.0
    assert second.ndcg_at_10 == first.ndcg_at_10


def test_benchmark_reports_throughput_and_latency(runtime: Any, tmp_path: Path) -> None:
    dataset = load_dataset(write_dataset(tmp_path), split="test")
    report = run_benchmark(runtime, dataset, backend="test", baseline_sample=0)
    assert report.documents == 6
    assert report.chunks >= 6
    assert report.baseline_chunks == report.chunks
    assert report.documents_per_second > 0
    assert report.ingest_to_baseline > 0
    # The embedder's time inside the run is part of the ingestion time, never more.
    assert 0 < report.ingest_embedding_seconds <= report.ingest_seconds
    assert 0 < report.ingest_to_in_run_embedder <= 1
    assert report.in_run_embedder_chunks_per_second >= report.chunks_per_second
    assert len(report.latencies_ms) == 5
    assert report.latency_percentile(50) <= report.latency_percentile(95)


def test_a_kept_benchmark_workspace_times_searches_without_ingesting(
    runtime: Any, tmp_path: Path
) -> None:
    dataset = load_dataset(write_dataset(tmp_path), split="test")
    first = run_benchmark(runtime, dataset, backend="test", baseline_sample=0, keep=True)
    again = run_benchmark(runtime, dataset, backend="test", baseline_sample=0, keep=True)
    assert first.ingestion_measured
    assert not again.ingestion_measured
    assert again.baseline_chunks == 0
    assert again.chunks == first.chunks
    assert len(again.latencies_ms) == 5


def test_candidates_are_scored_per_query_under_their_own_settings(
    runtime: Any, tmp_path: Path
) -> None:
    dataset = load_dataset(write_dataset(tmp_path), split="test")
    candidates = [
        SettingsCandidate("keyword only", {"fusion": "convex", "convex_keyword_weight": 1.0}),
        SettingsCandidate("dense only", {"fusion": "convex", "convex_keyword_weight": 0.0}),
    ]
    with loaded_corpus(runtime, dataset, name="candidates") as corpus:
        scores = score_candidates(runtime, dataset, corpus, candidates=candidates)
        keyword_only = evaluate_bm25(runtime, dataset, corpus)
    assert list(scores) == ["keyword only", "dense only"]
    for per_query in scores.values():
        assert set(per_query) == set(dataset.queries)
        assert all(0 <= ndcg <= 1 and 0 <= recall <= 1 for ndcg, recall in per_query.values())
    # With all the weight on the keyword side, the hybrid ranks exactly as BM25 does.
    assert scores["keyword only"] == keyword_only
    assert runtime.settings.convex_keyword_weight not in (0.0, 1.0)  # the runtime is untouched


def evaluate_bm25(
    runtime: Any, dataset: BeirDataset, corpus: LoadedCorpus
) -> dict[str, tuple[float, float]]:
    runs, _ = run_queries(
        runtime,
        dataset,
        workspace_id=corpus.workspace_id,
        beir_ids=corpus.beir_ids,
        mode="bm25",
    )
    return score_queries(dataset, runs)
