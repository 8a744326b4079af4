"""Throughput and latency, measured on a BEIR corpus through the real pipeline.

Ingestion throughput is compared with the bare embedding model, because embedding dominates
ingestion: the ratio shows what the rest of the pipeline costs. Two yardsticks: a separate
baseline run of the bare embedder on a sample of the same passages, and the embedder's own
time inside the ingestion run. The second shares the run's machine conditions (a busy or
throttled CPU slows both alike), so it does not drift the way a separate sample does."""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text

from customercare.evaluation.beir import BeirDataset
from customercare.evaluation.retrieval import (
    Progress,
    loaded_corpus,
    no_progress,
    run_queries,
)
from customercare.knowledge.chunking import chunk_document
from customercare.knowledge.detect import ContentType
from customercare.knowledge.extractors import ExtractionLimits, extract
from customercare.knowledge.models import ChunkRecord, Document
from customercare.runtime import Runtime
from customercare.search.embedding.base import Embedder, Vectors
from customercare.search.keyword.models import KeywordChunk, KeywordPosting
from customercare.search.service import SearchMode
from customercare.search.types import indexing_text


@dataclass(frozen=True, slots=True)
class BenchmarkReport:
    backend: str
    documents: int
    chunks: int
    ingest_seconds: float
    baseline_chunks: int
    baseline_seconds: float
    # Seconds spent inside the embedder during ingestion.
    ingest_embedding_seconds: float
    queries: int
    latencies_ms: list[float]

    @property
    def ingestion_measured(self) -> bool:
        """False when the corpus came from a kept workspace: only searches were timed."""
        return self.ingest_seconds > 0

    @property
    def documents_per_second(self) -> float:
        return self.documents / self.ingest_seconds

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.ingest_seconds

    @property
    def baseline_chunks_per_second(self) -> float:
        return self.baseline_chunks / self.baseline_seconds

    @property
    def ingest_to_baseline(self) -> float:
        return self.chunks_per_second / self.baseline_chunks_per_second

    @property
    def in_run_embedder_chunks_per_second(self) -> float:
        return self.chunks / self.ingest_embedding_seconds

    @property
    def ingest_to_in_run_embedder(self) -> float:
        """Ingestion's throughput over the embedder's in the same run: its share of the time."""
        return self.ingest_embedding_seconds / self.ingest_seconds

    def latency_percentile(self, percent: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]

    @property
    def latency_mean(self) -> float:
        return statistics.fmean(self.latencies_ms)


def corpus_passages(runtime: Runtime, dataset: BeirDataset) -> list[str]:
    """The texts ingestion embeds, cut the way ingestion cuts them."""
    settings = runtime.settings
    limits = ExtractionLimits(max_pages=settings.max_pages)
    passages: list[str] = []
    for document in dataset.corpus:
        title = document.title.strip() or document.id
        body = f"# {title}\n\n{document.text}\n".encode()
        extracted = extract(body, ContentType.markdown, limits=limits)
        for draft in chunk_document(
            extracted,
            size_words=settings.chunk_size_words,
            overlap_words=settings.chunk_overlap_words,
        ):
            passages.append(indexing_text(title=title, heading=draft.heading, text=draft.text))
    return passages


def measure_baseline(runtime: Runtime, passages: list[str]) -> float:
    """Seconds the bare embedder takes for these passages, in the batch size ingestion uses."""
    runtime.embedder.embed(passages[:8])  # warm-up: first-call allocation is not throughput
    started = time.perf_counter()
    runtime.embedder.embed(passages)
    return time.perf_counter() - started


def run_benchmark(
    runtime: Runtime,
    dataset: BeirDataset,
    *,
    backend: str,
    baseline_sample: int,
    mode: SearchMode = "hybrid",
    progress: Progress = no_progress,
    name: str = "benchmark",
    keep: bool = False,
) -> BenchmarkReport:
    """Ingest the corpus (or, with ``keep``, reuse a kept workspace and time searches only),
    then time one search per query as the API runs it."""
    timed = TimedEmbedder(runtime.embedder)
    loader = dataclasses.replace(runtime, _embedder=timed)
    # The baseline runs right before ingestion; with ``keep`` only once the corpus turns out
    # to be loaded now rather than reused.
    sample = [] if keep else _baseline_sample(runtime, dataset, baseline_sample)
    baseline_seconds = measure_baseline(runtime, sample) if sample else 0.0
    with loaded_corpus(loader, dataset, name=name, keep=keep, progress=progress) as corpus:
        if keep and corpus.load.seconds > 0:
            sample = _baseline_sample(runtime, dataset, baseline_sample)
            baseline_seconds = measure_baseline(runtime, sample)
        settle_statistics(runtime)
        _, latencies = run_queries(
            runtime,
            dataset,
            workspace_id=corpus.workspace_id,
            beir_ids=corpus.beir_ids,
            mode=mode,
            # What an API search does: 10 results from the configured number of candidates.
            depth=5,
            candidates=runtime.settings.candidates_per_retriever,
            progress=progress,
        )
    return BenchmarkReport(
        backend=backend,
        documents=corpus.load.documents,
        chunks=corpus.load.chunks,
        ingest_seconds=corpus.load.seconds,
        baseline_chunks=len(sample),
        baseline_seconds=baseline_seconds,
        ingest_embedding_seconds=timed.seconds,
        queries=len(latencies),
        latencies_ms=latencies,
    )


def _baseline_sample(runtime: Runtime, dataset: BeirDataset, size: int) -> list[str]:
    passages = corpus_passages(runtime, dataset)
    return passages[:size] if size > 0 else passages


# The tables a search reads (keyword_postings, keyword_chunks, chunks, documents).
VACUUM_SEARCH_TABLES = "VACUUM (ANALYZE) keyword_postings, keyword_chunks, chunks, documents"
SEARCH_TABLES = (KeywordPosting, KeywordChunk, ChunkRecord, Document)


def settle_statistics(runtime: Runtime) -> None:
    """On PostgreSQL, refresh the planner's statistics and the visibility map of the search
    tables, which autovacuum does within minutes of a bulk load. Right after the load the
    planner still believes the tables empty and reads the heap instead of the covering index:
    searches then take several times longer than a running service's ever do."""
    if runtime.engine.dialect.name != "postgresql":
        return
    with runtime.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(VACUUM_SEARCH_TABLES))


class TimedEmbedder:
    """An embedder that adds up the time its ``embed`` calls take."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.seconds = 0.0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        started = time.perf_counter()
        try:
            return self.inner.embed(texts)
        finally:
            self.seconds += time.perf_counter() - started
