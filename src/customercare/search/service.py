"""Search's public face. Hybrid retrieval for one workspace: BM25 and dense candidates, fused.
Search also owns writing to its indexes (``index_chunks``, ``remove_document``,
``remove_workspace``); knowledge calls these in its own transactions.

Dense candidates come from the vector store and are kept only if their chunk belongs to a
document's indexed version, so a re-ingest in progress never mixes two versions. Chunks and
documents are read through a ``PassageStore`` (knowledge implements it)."""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from typing import Literal, Protocol

from sqlalchemy.orm import Session

from customercare.observability import metrics
from customercare.search.embedding import Embedder, Vectors
from customercare.search.fusion import Ranking, convex_combination, reciprocal_rank_fusion
from customercare.search.keyword import index as keyword_index
from customercare.search.keyword.analyzer import analyze
from customercare.search.keyword.index import KeywordDocument
from customercare.search.types import Chunk, ChunkDraft, PassageStore, indexing_text
from customercare.search.vectorstore.base import VectorRecord, VectorStore
from customercare.search.vectorstore.transfer import (
    VectorBatch,
    VectorTransfer,
    open_vector_transfer,
)
from customercare.settings import Settings

__all__ = [
    "Chunk",
    "ChunkDraft",
    "Embedder",
    "KeywordDocument",
    "PassageStore",
    "SearchContext",
    "SearchHit",
    "SearchMode",
    "SearchResult",
    "VectorBatch",
    "VectorRecord",
    "VectorStore",
    "VectorTransfer",
    "Vectors",
    "analyze",
    "index_chunks",
    "indexing_text",
    "open_vector_transfer",
    "remove_document",
    "remove_workspace",
    "search",
]

SearchMode = Literal["hybrid", "bm25", "dense"]

# BM25 runs on one of these while the query is embedded and the vector store is asked: the
# database and the model (and Chroma) are waited on at once instead of one after the other.
# The session is used by one thread at a time: the caller waits for the keyword half.
_KEYWORD_THREADS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="keyword-search")


@dataclass(frozen=True, slots=True)
class SearchHit:
    chunk: Chunk
    rank: int
    score: float
    keyword_score: float | None
    dense_similarity: float | None


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: list[SearchHit]
    timings_ms: dict[str, float] = field(default_factory=dict)
    # Every dense candidate's similarity, best first: how peaked they are is evidence too.
    dense_similarities: list[float] = field(default_factory=list)
    # BM25 idf of each query term in the workspace (absent terms weigh most).
    term_weights: dict[str, float] = field(default_factory=dict)


class SearchContext(Protocol):
    """The collaborators a search uses (the runtime provides them)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def embedder(self) -> Embedder: ...
    @property
    def vector_store(self) -> VectorStore: ...
    @property
    def passages(self) -> PassageStore: ...


def search(
    context: SearchContext,
    session: Session,
    *,
    workspace_id: str,
    query: str,
    limit: int = 10,
    mode: SearchMode = "hybrid",
    document_ids: Collection[str] | None = None,
    tags: Collection[str] | None = None,
    candidates: int | None = None,
) -> SearchResult:
    settings, passages = context.settings, context.passages
    depth = max(candidates or settings.candidates_per_retriever, limit)
    timings: dict[str, float] = {}
    allowed = passages.document_ids_matching(
        session, workspace_id=workspace_id, document_ids=document_ids, tags=tags
    )
    keyword = keyword_index.KeywordResult([], {})
    dense: list[tuple[str, float]] = []
    wants_dense = mode in ("hybrid", "dense") and bool(query.strip())
    keyword_job: Future[tuple[keyword_index.KeywordResult, float]] | None = None
    if mode in ("hybrid", "bm25"):
        run_keyword = partial(
            _keyword_candidates, session, settings, workspace_id, query, depth, allowed
        )
        if wants_dense:  # both halves at once: they wait on different things
            keyword_job = _KEYWORD_THREADS.submit(run_keyword)
        else:
            keyword, timings["keyword"] = run_keyword()
    try:
        if wants_dense:
            started = time.perf_counter()
            vector = context.embedder.embed([query])[0]
            timings["embed"] = _elapsed_ms(started)
            metrics.embedder_seconds.labels(purpose="query").observe(timings["embed"] / 1000)
            started = time.perf_counter()
            dense = context.vector_store.query(
                workspace_id=workspace_id, vector=vector, limit=depth, document_ids=allowed
            )
            timings["dense"] = _elapsed_ms(started)
    finally:
        if keyword_job is not None:
            wait([keyword_job])  # the session is the caller's again only once the thread is done
    if keyword_job is not None:
        keyword, timings["keyword"] = keyword_job.result()
    if mode == "dense":  # the answer engine weighs terms even when BM25 did not rank
        keyword = keyword_index.KeywordResult([], _term_weights(session, workspace_id, query))
    started = time.perf_counter()
    current = passages.indexed_chunk_ids(
        session,
        workspace_id=workspace_id,
        chunk_ids={cid for cid, _ in keyword.candidates + dense},
    )
    lexical = [(cid, s) for cid, s in keyword.candidates if cid in current]
    dense = [(cid, s) for cid, s in dense if cid in current]
    keyword_scores, dense_scores = dict(lexical), dict(dense)
    if mode == "bm25":
        ranked = lexical
    elif mode == "dense":
        ranked = dense
    elif settings.fusion == "convex":
        ranked = convex_combination(lexical, dense, keyword_weight=settings.convex_keyword_weight)
    else:
        ranked = reciprocal_rank_fusion(
            [
                Ranking([cid for cid, _ in lexical], settings.keyword_weight),
                Ranking([cid for cid, _ in dense], settings.dense_weight),
            ],
            k=settings.rrf_k,
        )
    timings["fuse"] = _elapsed_ms(started)
    started = time.perf_counter()
    # Only the passages shown are loaded in full; one replaced in between is left out.
    chunks = passages.load_chunks(
        session, workspace_id=workspace_id, chunk_ids=[cid for cid, _ in ranked[:limit]]
    )
    shown = [(cid, score) for cid, score in ranked[:limit] if cid in chunks]
    hits = [
        SearchHit(
            chunk=chunks[cid],
            rank=rank,
            score=score,
            keyword_score=keyword_scores.get(cid),
            dense_similarity=dense_scores.get(cid),
        )
        for rank, (cid, score) in enumerate(shown, start=1)
    ]
    timings["load"] = _elapsed_ms(started)
    return SearchResult(
        hits=hits,
        timings_ms=timings,
        dense_similarities=[score for _, score in dense],
        term_weights=keyword.term_weights,
    )


def index_chunks(session: Session, chunks: Sequence[KeywordDocument]) -> None:
    """Add chunks to the keyword index, in the caller's transaction (vectors are upserted by
    the caller's vector store beforehand: they are idempotent, the database swap is not)."""
    keyword_index.add_to_index(session, chunks)


def remove_document(session: Session, *, document_id: str) -> None:
    """Remove a document's keyword postings, in the caller's transaction."""
    keyword_index.remove_document(session, document_id=document_id)


def remove_workspace(session: Session, *, workspace_id: str) -> None:
    keyword_index.remove_workspace(session, workspace_id=workspace_id)


def _term_weights(session: Session, workspace_id: str, query: str) -> dict[str, float]:
    return keyword_index.term_weights(session, workspace_id=workspace_id, terms=set(analyze(query)))


def _keyword_candidates(
    session: Session,
    settings: Settings,
    workspace_id: str,
    query: str,
    depth: int,
    allowed: Collection[str] | None,
) -> tuple[keyword_index.KeywordResult, float]:
    started = time.perf_counter()
    found = keyword_index.search(
        session,
        workspace_id=workspace_id,
        query=query,
        limit=depth,
        parameters=keyword_index.BM25Parameters(k1=settings.bm25_k1, b=settings.bm25_b),
        document_ids=allowed,
    )
    return found, _elapsed_ms(started)


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
