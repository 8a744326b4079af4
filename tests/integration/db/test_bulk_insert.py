"""``db.bulk.insert_rows``: COPY on PostgreSQL, executemany elsewhere; either way every value
comes back exactly as written, whatever characters a passage holds."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from customercare.db.bulk import insert_rows
from customercare.db.engine import transaction
from customercare.knowledge.models import ChunkRecord, Document
from customercare.runtime import Runtime

AWKWARD = [
    "tab\there, newline\nthere, carriage return\r, backslash \\ and \\N",
    "quotes ' \" and a comma, ; semicolon | pipe",
    "unicode: café, 日本語, emoji 📱, zero-width \u200b",
    "",
]


def add_document(session: Any, workspace_id: str) -> str:
    document = Document(
        workspace_id=workspace_id,
        title="Bulk",
        filename="bulk.md",
        content_hash="b" * 64,
        size_bytes=1,
    )
    session.add(document)
    session.flush()
    return document.id


def test_rows_round_trip_unchanged(runtime: Runtime, tenant: Any) -> None:
    rows = [
        {
            "id": f"bulk-{index}",
            "workspace_id": tenant.workspace_id,
            "document_id": "",
            "version": 1,
            "position": index,
            "text": text,
            "heading": None if index % 2 else f"Heading {index}",
            "page": None if index % 2 else index,
        }
        for index, text in enumerate(AWKWARD)
    ]
    with transaction(runtime.sessions) as session:
        document_id = add_document(session, tenant.workspace_id)
        for row in rows:
            row["document_id"] = document_id
        insert_rows(session, ChunkRecord, rows)
    with runtime.sessions() as session:
        stored = session.scalars(
            select(ChunkRecord)
            .where(ChunkRecord.document_id == document_id)
            .order_by(ChunkRecord.position)
        ).all()
    assert [{column: getattr(record, column) for column in rows[0]} for record in stored] == rows


def test_nothing_to_insert_is_a_no_op(runtime: Runtime) -> None:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    count = select(func.count()).select_from(ChunkRecord)
    with transaction(runtime.sessions) as session:
        before = session.scalar(count)
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", record)
        try:
            insert_rows(session, ChunkRecord, [])
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert statements == [], "no statement is sent for no rows"
        assert session.scalar(count) == before


def test_a_failed_insert_leaves_nothing_behind(runtime: Runtime, tenant: Any) -> None:
    row = {
        "id": "bulk-dup",
        "workspace_id": tenant.workspace_id,
        "version": 1,
        "position": 0,
        "text": "x",
        "heading": None,
        "page": None,
    }
    created: list[str] = []

    def insert_twice() -> None:
        with transaction(runtime.sessions) as session:
            created.append(add_document(session, tenant.workspace_id))
            insert_rows(session, ChunkRecord, [{**row, "document_id": created[0]}] * 2)

    with pytest.raises(IntegrityError):
        insert_twice()
    [document_id] = created
    with runtime.sessions() as session:
        assert session.scalar(select(Document).where(Document.id == document_id)) is None
        assert session.get(ChunkRecord, "bulk-dup") is None
