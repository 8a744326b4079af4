"""``ccgpt eval retrieval``: load a BEIR dataset into a scratch workspace through the real
ingestion pipeline, run every query through the real search, and score the rankings."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from customercare.db.engine import transaction
from customercare.evaluation.beir import BeirDataset
from customercare.evaluation.cross_validation import QueryScores, bootstrap_interval
from customercare.evaluation.metrics import mean, ndcg_at_k, recall_at_k
from customercare.jobs import InProcessJobQueue
from customercare.knowledge import service as knowledge
from customercare.knowledge.ingestion import ingest_documents
from customercare.runtime import Runtime
from customercare.search import service as search
from customercare.tenancy import service as tenancy

Progress = Callable[[str, int, int], None]
BATCH = 256


@dataclass(frozen=True, slots=True)
class LoadStatistics:
    documents: int
    chunks: int
    seconds: float


@dataclass(frozen=True, slots=True)
class RetrievalReport:
    mode: str
    queries: int
    ndcg_at_10: float
    recall_at_100: float
    load: LoadStatistics
    # Bootstrap 95% interval of the nDCG@10 over queries: how far another sample could land.
    ndcg_interval: tuple[float, float]
    search_latencies_ms: list[float] = field(repr=False)
    runs: dict[str, list[tuple[str, float]]] = field(repr=False)


@dataclass(frozen=True, slots=True)
class SettingsCandidate:
    """One retrieval setting that cross-validation may choose: settings fields to override."""

    name: str
    overrides: dict[str, Any]


# What ``--cross-validate`` chooses between: how the keyword and dense rankings are fused.
FUSION_CANDIDATES: tuple[SettingsCandidate, ...] = (
    *(
        SettingsCandidate(f"convex {weight}", {"fusion": "convex", "convex_keyword_weight": weight})
        for weight in (0.3, 0.4, 0.5, 0.6, 0.7)
    ),
    *(SettingsCandidate(f"rrf k={k}", {"fusion": "rrf", "rrf_k": k}) for k in (20, 60)),
)


def no_progress(_stage: str, _done: int, _total: int) -> None:
    return None


@contextmanager
def scratch_workspace(runtime: Runtime, *, name: str, keep: bool = False) -> Iterator[str]:
    """A workspace for one evaluation; with ``keep``, an earlier kept one of the same name is
    reused, so that retrieval settings can be tuned without ingesting again."""
    with transaction(runtime.sessions) as session:
        existing = tenancy.get_workspace_by_name(session, name=name) if keep else None
        # "internal": a measurement may load far more than any customer plan allows.
        workspace_id = (
            existing or tenancy.create_workspace(session, name=name, plan="internal")
        ).id
    try:
        yield workspace_id
    finally:
        if not keep:
            with transaction(runtime.sessions) as session:
                knowledge.delete_all_documents(
                    session, vector_store=runtime.vector_store, workspace_id=workspace_id
                )
                tenancy.delete_workspace(session, workspace_id=workspace_id)


def load_corpus(
    runtime: Runtime, dataset: BeirDataset, *, workspace_id: str, progress: Progress
) -> tuple[dict[str, str], LoadStatistics]:
    """Ingest every corpus document; returns our document id -> BEIR id."""
    with runtime.sessions() as session:
        loaded = knowledge.ready_filenames(session, workspace_id=workspace_id)
    if len(loaded) == len(dataset.corpus):
        reused = {doc_id: name.removesuffix(".md") for doc_id, name in loaded.items()}
        with runtime.sessions() as session:
            chunks = knowledge.count_chunks(session, workspace_id=workspace_id)
        return reused, LoadStatistics(documents=len(reused), chunks=chunks, seconds=0.0)
    queue = InProcessJobQueue(mode="collect")
    loader = dataclasses.replace(runtime, jobs=queue)
    started = time.perf_counter()
    beir_ids: dict[str, str] = {}
    total = len(dataset.corpus)
    for done, document in enumerate(dataset.corpus, start=1):
        body = f"# {document.title.strip() or document.id}\n\n{document.text}\n"
        outcome = knowledge.ingest_bytes(
            loader, workspace_id=workspace_id, data=body.encode(), filename=f"{document.id}.md"
        )
        beir_ids[outcome.document.id] = document.id
        if len(queue.requests) >= BATCH or done == total:
            ingest_documents(runtime, queue.drain())
        progress("ingest", done, total)
    seconds = time.perf_counter() - started
    with runtime.sessions() as session:
        chunks = knowledge.count_chunks(session, workspace_id=workspace_id)
    return beir_ids, LoadStatistics(documents=total, chunks=chunks, seconds=seconds)


def run_queries(
    runtime: Runtime,
    dataset: BeirDataset,
    *,
    workspace_id: str,
    beir_ids: dict[str, str],
    mode: search.SearchMode,
    depth: int = 100,
    candidates: int | None = None,
    progress: Progress = no_progress,
) -> tuple[dict[str, list[tuple[str, float]]], list[float]]:
    """Document-level rankings (a document ranks where its best passage ranks): passages are
    fetched until ``depth`` documents can be ranked, twice as many as ``depth``."""
    runs: dict[str, list[tuple[str, float]]] = {}
    latencies: list[float] = []
    total = len(dataset.queries)
    with runtime.sessions() as session:
        for done, (query_id, text) in enumerate(dataset.queries.items(), start=1):
            started = time.perf_counter()
            result = search.search(
                runtime,
                session,
                workspace_id=workspace_id,
                query=text,
                limit=depth * 2,
                mode=mode,
                candidates=depth * 2 if candidates is None else candidates,
            )
            latencies.append((time.perf_counter() - started) * 1000)
            ranking: list[tuple[str, float]] = []
            seen: set[str] = set()
            for hit in result.hits:
                beir_id = beir_ids[hit.chunk.document_id]
                if beir_id not in seen:
                    seen.add(beir_id)
                    ranking.append((beir_id, hit.score))
            runs[query_id] = ranking[:depth]
            progress("search", done, total)
    return runs, latencies


def score_queries(
    dataset: BeirDataset, runs: dict[str, list[tuple[str, float]]]
) -> dict[str, tuple[float, float]]:
    """Each query's (nDCG@10, Recall@100)."""
    scores = {}
    for query_id in dataset.queries:
        ranking = [doc for doc, _ in runs.get(query_id, [])]
        relevant = dataset.qrels.get(query_id, {})
        scores[query_id] = (ndcg_at_k(ranking, relevant, 10), recall_at_k(ranking, relevant, 100))
    return scores


@dataclass(frozen=True, slots=True)
class LoadedCorpus:
    workspace_id: str
    beir_ids: dict[str, str]  # our document id -> BEIR id
    load: LoadStatistics


@contextmanager
def loaded_corpus(
    runtime: Runtime,
    dataset: BeirDataset,
    *,
    name: str = "scratch",
    keep: bool = False,
    progress: Progress = no_progress,
) -> Iterator[LoadedCorpus]:
    """A scratch workspace holding the dataset's corpus, for one or more measurements."""
    with scratch_workspace(runtime, name=f"beir-eval {name}", keep=keep) as workspace_id:
        beir_ids, load = load_corpus(runtime, dataset, workspace_id=workspace_id, progress=progress)
        yield LoadedCorpus(workspace_id, beir_ids, load)


def evaluate(
    runtime: Runtime,
    dataset: BeirDataset,
    *,
    modes: list[search.SearchMode],
    name: str = "scratch",
    progress: Progress = no_progress,
    keep: bool = False,
) -> list[RetrievalReport]:
    with loaded_corpus(runtime, dataset, name=name, keep=keep, progress=progress) as corpus:
        return evaluate_modes(runtime, dataset, corpus, modes=modes, progress=progress)


def evaluate_modes(
    runtime: Runtime,
    dataset: BeirDataset,
    corpus: LoadedCorpus,
    *,
    modes: list[search.SearchMode],
    progress: Progress = no_progress,
) -> list[RetrievalReport]:
    reports: list[RetrievalReport] = []
    for mode in modes:
        runs, latencies = run_queries(
            runtime,
            dataset,
            workspace_id=corpus.workspace_id,
            beir_ids=corpus.beir_ids,
            mode=mode,
            progress=progress,
        )
        per_query = score_queries(dataset, runs).values()
        ndcg = [value for value, _ in per_query]
        reports.append(
            RetrievalReport(
                mode=mode,
                queries=len(dataset.queries),
                ndcg_at_10=mean(ndcg),
                recall_at_100=mean([recall for _, recall in per_query]),
                load=corpus.load,
                ndcg_interval=bootstrap_interval(ndcg),
                search_latencies_ms=latencies,
                runs=runs,
            )
        )
    return reports


def score_candidates(
    runtime: Runtime,
    dataset: BeirDataset,
    corpus: LoadedCorpus,
    *,
    candidates: Sequence[SettingsCandidate] = FUSION_CANDIDATES,
    progress: Progress = no_progress,
) -> QueryScores:
    """Every query's hybrid (nDCG@10, Recall@100) under each candidate setting."""
    scores: dict[str, dict[str, tuple[float, float]]] = {}
    for candidate in candidates:
        settings = runtime.settings.model_copy(update=candidate.overrides)

        def report(_stage: str, done: int, total: int, label: str = candidate.name) -> None:
            progress(f"search ({label})", done, total)

        runs, _ = run_queries(
            dataclasses.replace(runtime, settings=settings),
            dataset,
            workspace_id=corpus.workspace_id,
            beir_ids=corpus.beir_ids,
            mode="hybrid",
            progress=report,
        )
        scores[candidate.name] = score_queries(dataset, runs)
    return scores
