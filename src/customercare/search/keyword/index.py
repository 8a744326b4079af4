"""BM25 over the postings table, the same SQL on SQLite and PostgreSQL.

Scores are similarities (higher is better). Document frequencies and the average length are
read at query time, so the index needs no global statistics that writers would fight over."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from customercare.db.bulk import insert_rows
from customercare.search.keyword.analyzer import analyze, term_frequencies
from customercare.search.keyword.models import KeywordChunk, KeywordPosting


@dataclass(frozen=True, slots=True)
class KeywordDocument:
    chunk_id: str
    workspace_id: str
    document_id: str
    text: str


@dataclass(frozen=True, slots=True)
class BM25Parameters:
    k1: float = 0.9
    b: float = 0.4


def add_to_index(session: Session, documents: Iterable[KeywordDocument]) -> dict[str, int]:
    """Write the postings of each chunk; returns each chunk's length in terms."""
    rows: list[dict[str, object]] = []
    chunk_rows: list[dict[str, object]] = []
    lengths: dict[str, int] = {}
    for document in documents:
        counts, length = term_frequencies(document.text)
        lengths[document.chunk_id] = length
        chunk_rows.append(
            {
                "chunk_id": document.chunk_id,
                "workspace_id": document.workspace_id,
                "document_id": document.document_id,
                "length": length,
            }
        )
        rows.extend(
            {
                "chunk_id": document.chunk_id,
                "term": term,
                "workspace_id": document.workspace_id,
                "document_id": document.document_id,
                "tf": tf,
                "chunk_length": length,
            }
            for term, tf in counts.items()
        )
    insert_rows(session, KeywordChunk, chunk_rows)
    insert_rows(session, KeywordPosting, rows)
    return lengths


def remove_document(session: Session, *, document_id: str) -> None:
    # Filter on the document alone: with the workspace as a second condition SQLite picks the
    # (workspace, term) index and scans the whole workspace. Document ids are global.
    for table in (KeywordPosting, KeywordChunk):
        session.execute(delete(table).where(table.document_id == document_id))


def remove_workspace(session: Session, *, workspace_id: str) -> None:
    for table in (KeywordPosting, KeywordChunk):
        session.execute(delete(table).where(table.workspace_id == workspace_id))


@dataclass(frozen=True, slots=True)
class KeywordResult:
    """The best chunks for a query and the BM25 idf of each of its terms (a term no chunk
    holds gets the highest weight, which is what makes a question about something absent
    look unanswered)."""

    candidates: list[tuple[str, float]]
    term_weights: dict[str, float]


def search(
    session: Session,
    *,
    workspace_id: str,
    query: str,
    limit: int,
    parameters: BM25Parameters,
    document_ids: Collection[str] | None = None,
) -> KeywordResult:
    terms = sorted(set(analyze(query)))
    if not terms:
        return KeywordResult([], {})
    total_chunks, average_length = _corpus_statistics(session, workspace_id=workspace_id)
    frequencies = _document_frequencies(session, workspace_id=workspace_id, terms=terms)
    weights = {term: _idf(total_chunks, frequencies.get(term, 0)) for term in terms}
    if total_chunks == 0 or not frequencies or limit <= 0:
        return KeywordResult([], weights)
    if document_ids is not None and not document_ids:
        return KeywordResult([], weights)
    idf = {term: weights[term] for term in frequencies}
    k1, b = parameters.k1, parameters.b
    weight = case(idf, value=KeywordPosting.term, else_=0.0)
    tf = KeywordPosting.tf
    norm = k1 * (1 - b + b * KeywordPosting.chunk_length / average_length)
    score = func.sum(weight * tf * (k1 + 1) / (tf + norm)).label("score")
    statement = (
        select(KeywordPosting.chunk_id, score)
        .where(KeywordPosting.workspace_id == workspace_id, KeywordPosting.term.in_(list(idf)))
        .group_by(KeywordPosting.chunk_id)
        .order_by(score.desc(), KeywordPosting.chunk_id)
        .limit(limit)
    )
    if document_ids is not None:
        statement = statement.where(KeywordPosting.document_id.in_(list(document_ids)))
    candidates = [(cid, float(value)) for cid, value in session.execute(statement).tuples()]
    return KeywordResult(candidates, weights)


def term_weights(
    session: Session, *, workspace_id: str, terms: Collection[str]
) -> dict[str, float]:
    """BM25 idf of each term in the workspace; a term no chunk holds gets the highest weight,
    which is what makes a question about something absent look unanswered."""
    total_chunks, _ = _corpus_statistics(session, workspace_id=workspace_id)
    frequencies = _document_frequencies(session, workspace_id=workspace_id, terms=terms)
    return {term: _idf(total_chunks, frequencies.get(term, 0)) for term in terms}


def _document_frequencies(
    session: Session, *, workspace_id: str, terms: Collection[str]
) -> dict[str, int]:
    if not terms:
        return {}
    rows = session.execute(
        select(KeywordPosting.term, func.count())
        .where(KeywordPosting.workspace_id == workspace_id, KeywordPosting.term.in_(list(terms)))
        .group_by(KeywordPosting.term)
    ).tuples()
    return dict(rows.all())


def _corpus_statistics(session: Session, *, workspace_id: str) -> tuple[int, float]:
    count, average = session.execute(
        select(func.count(), func.avg(KeywordChunk.length)).where(
            KeywordChunk.workspace_id == workspace_id
        )
    ).one()
    return int(count or 0), float(average or 1.0) or 1.0


def _idf(total: int, document_frequency: int) -> float:
    # Lucene's BM25 idf: never negative, even for terms in most chunks.
    return math.log(1 + (total - document_frequency + 0.5) / (document_frequency + 0.5))
