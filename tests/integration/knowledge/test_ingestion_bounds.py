"""One document cannot grow without bound: characters, CSV rows and passages are limited by
settings and by the workspace's plan; the job embeds a slice of passages at a time and stops
at a checkpoint when its queue shuts down.

Before: a 100,000-row CSV and a 19 MB text file were accepted (202) and then ingested for
half an hour in 2 GB, with every row a passage and every passage embedded in one call."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from customercare.app import create_app
from customercare.db.engine import transaction
from customercare.jobs import IngestionRequest, InProcessJobQueue, JobInterrupted
from customercare.knowledge import service
from customercare.knowledge.ingestion import ingest_document, resume_unfinished
from customercare.knowledge.models import ChunkRecord, Document
from customercare.runtime import Runtime
from customercare.search.embedding import Embedder, Vectors
from customercare.tenancy import service as tenancy


def faq_csv(rows: int) -> bytes:
    lines = ["question,answer"]
    lines += [
        f"How do I reset gadget {i}?,Hold the button of gadget {i} for ten s." for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def prose(paragraphs: int, topic: str = "router") -> bytes:
    """Plain text of ``paragraphs`` paragraphs of about 60 words each."""
    sentence = f"The {topic} number {{n}} restarts when you hold its reset button for ten seconds. "
    return "\n\n".join(sentence.format(n=n) * 4 for n in range(paragraphs)).encode()


class RecordingEmbedder:
    """Delegates, remembering how many texts each call was handed; ``on_call`` runs first."""

    def __init__(self, delegate: Embedder, on_call: Any = None) -> None:
        self.delegate = delegate
        self.sizes: list[int] = []
        self.on_call = on_call

    @property
    def name(self) -> str:
        return self.delegate.name

    @property
    def dimension(self) -> int:
        return self.delegate.dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.sizes.append(len(texts))
        if self.on_call is not None:
            self.on_call(len(self.sizes))
        return self.delegate.embed(texts)


@pytest.fixture
def bounded(runtime: Runtime, make_tenant: Any) -> Iterator[tuple[Runtime, InProcessJobQueue, str]]:
    """A runtime with small limits whose queue only records, and a workspace of its own."""
    queue = InProcessJobQueue(mode="collect")
    settings = runtime.settings.model_copy(
        update={
            "max_csv_rows": 50,
            "max_extracted_chars": 200_000,
            "max_passages_per_document": 60,
            "ingestion_embed_batch_passages": 8,
        }
    )
    workspace_id = make_tenant().workspace_id
    yield dataclasses.replace(runtime, settings=settings, jobs=queue), queue, workspace_id
    runtime.vector_store.delete_workspace(workspace_id=workspace_id)


def _register(context: Runtime, workspace_id: str, data: bytes, name: str) -> Any:
    return service.ingest_bytes(context, workspace_id=workspace_id, data=data, filename=name)


def _document(context: Runtime, document_id: str) -> Document:
    with context.sessions() as session:
        document = session.get(Document, document_id)
        assert document is not None
        session.expunge(document)
        return document


def test_oversized_csv_is_refused_at_upload_before_queueing(bounded: Any) -> None:
    context, queue, workspace_id = bounded
    with pytest.raises(Exception, match="more than 50 question and answer rows") as caught:
        _register(context, workspace_id, faq_csv(51), "faq.csv")
    error: Any = caught.value
    assert (error.code, error.status_code) == ("too_many_rows", 413)
    assert queue.requests == []
    failed = _document(context, error.details["document_id"])
    assert (failed.status, failed.failure_code) == ("failed", "too_many_rows")
    _register(context, workspace_id, faq_csv(50), "ok.csv")  # at the limit: accepted
    assert len(queue.requests) == 1


def test_oversized_text_is_refused_at_upload(bounded: Any) -> None:
    context, queue, workspace_id = bounded
    with pytest.raises(Exception, match="characters of text") as caught:
        _register(context, workspace_id, b"word " * 50_000, "big.txt")
    assert getattr(caught.value, "code", None) == "too_much_text"
    assert queue.requests == []


def test_obviously_too_many_passages_is_refused_at_upload(bounded: Any) -> None:
    context, queue, workspace_id = bounded
    # 61 chunks of 180 words at least: over 60 however it is chunked.
    with pytest.raises(Exception, match="at least") as caught:
        _register(context, workspace_id, ("lorem " * 180 * 61).encode(), "long.txt")
    assert getattr(caught.value, "code", None) == "too_many_passages"
    assert queue.requests == []


def test_passages_over_the_limit_fail_the_job_with_a_reason(bounded: Any) -> None:
    context, queue, workspace_id = bounded
    # 140 paragraphs of ~56 words: the upload's lower bound (44 passages) lets it through,
    # chunking with overlap makes about 70.
    outcome = _register(context, workspace_id, prose(140), "manual.txt")
    ingest_document(context, queue.requests[-1])
    document = _document(context, outcome.document.id)
    assert (document.status, document.failure_code) == ("failed", "too_many_passages")
    assert "the limit is 60 per document" in (document.failure_reason or "")
    with context.sessions() as session:
        chunks = session.scalar(
            select(func.count()).where(ChunkRecord.document_id == outcome.document.id)
        )
    assert chunks == 0


def test_the_embedder_gets_a_slice_of_passages_at_a_time(bounded: Any) -> None:
    context, queue, workspace_id = bounded
    outcome = _register(context, workspace_id, prose(60), "guide.txt")
    embedder = RecordingEmbedder(context.embedder)
    ingest_document(dataclasses.replace(context, _embedder=embedder), queue.requests[-1])
    document = _document(context, outcome.document.id)
    assert document.status == "ready", document.failure_reason
    assert document.chunk_count is not None
    assert document.chunk_count > 8
    # Before, one call got every passage of the batch.
    assert max(embedder.sizes) <= 8
    assert sum(embedder.sizes) == document.chunk_count


def test_a_stopped_job_leaves_its_document_processing_and_resumes(bounded: Any) -> None:
    context, queue, workspace_id = bounded
    outcome = _register(context, workspace_id, prose(60), "guide.txt")
    stop = threading.Event()
    embedder = RecordingEmbedder(context.embedder, on_call=lambda calls: stop.set())
    with pytest.raises(JobInterrupted):
        ingest_document(
            dataclasses.replace(context, _embedder=embedder), queue.requests[-1], stop=stop
        )
    assert embedder.sizes == [8]  # stopped at the next checkpoint, not after every slice
    assert _document(context, outcome.document.id).status == "processing"
    queue.requests.clear()
    resume_unfinished(context.sessions, queue)
    resumed = [r for r in queue.requests if r.document_id == outcome.document.id]
    assert resumed == [IngestionRequest(outcome.document.id, 1)]
    assert resumed[0].workspace_id == workspace_id
    ingest_document(context, resumed[0])
    assert _document(context, outcome.document.id).status == "ready"


def test_the_plan_can_lower_the_limits(runtime: Runtime, tmp_path: Path) -> None:
    plans_file = tmp_path / "plans.toml"
    plans_file.write_text("[plans.small]\ncsv_rows = 3\n\n[plans.big]\n", encoding="utf-8")
    settings = runtime.settings.model_copy(
        update={"quotas_enabled": True, "plans_file": plans_file, "max_csv_rows": 10}
    )
    quota_runtime = dataclasses.replace(runtime, settings=settings)
    keys = {}
    with transaction(runtime.sessions) as session:
        for plan in ("small", "big"):
            workspace = tenancy.create_workspace(session, name=f"Plan {plan}")
            workspace.plan = plan
            keys[plan] = tenancy.create_api_key(session, workspace_id=workspace.id, name="k")
    with TestClient(create_app(runtime=quota_runtime)) as client:

        def upload(plan: str, rows: int) -> Any:
            return client.post(
                "/api/v1/documents",
                headers={"Authorization": f"Bearer {keys[plan].secret}"},
                files={"file": (f"faq-{plan}-{rows}.csv", faq_csv(rows))},
            )

        refused = upload("small", 4)
        assert refused.status_code == 413, refused.text
        assert refused.json()["error"]["code"] == "too_many_rows"
        assert refused.json()["error"]["details"]["limit"] == 3
        assert upload("big", 10).status_code == 202  # the plan sets none: the setting's 10
        assert upload("big", 11).status_code == 413
