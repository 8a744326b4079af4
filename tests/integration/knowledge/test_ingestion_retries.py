"""The ingestion job under failure: retries, giving up, superseded and repeated jobs.

The jobs are driven here, one call at a time: documents are registered through a runtime
whose queue only records requests (so the session worker never sees them), then
``ingest_document`` runs with an embedder that fails as a test needs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import func, select

from customercare.db.engine import transaction
from customercare.errors import ServiceUnavailable
from customercare.jobs import InProcessJobQueue
from customercare.jobs.base import IngestionRequest, RetryableJobError
from customercare.knowledge import service
from customercare.knowledge.ingestion import ingest_document
from customercare.knowledge.models import ChunkRecord, Document
from customercare.runtime import Runtime
from customercare.search.embedding import Embedder, Vectors
from customercare.search.embedding.openai_compatible import OpenAICompatibleEmbedder
from customercare.search.keyword.models import KeywordChunk, KeywordPosting
from tests.support.embedding_server import EmbeddingServer


def guide(topic: str) -> bytes:
    """A Markdown guide of four sections, so several chunks."""
    sections = [
        f"## {topic} basics\n\n"
        + f"The {topic} service starts when you sign the contract and pay the first invoice. " * 8,
        f"## {topic} prices\n\n"
        + f"Every {topic} plan is billed monthly and the price includes all taxes. " * 8,
        f"## {topic} cancellation\n\n"
        + f"You can cancel {topic} at any time from the account page without a fee. " * 8,
        f"## {topic} support\n\n"
        + f"Our {topic} support team answers by email within one working day. " * 8,
    ]
    return (f"# The {topic} guide\n\n" + "\n\n".join(sections) + "\n").encode()


class FlakyEmbedder:
    """Fails the first ``failures`` calls as a down embedding service would, then delegates.
    ``before_embed`` runs at the start of each call: a hook to change the world mid-job."""

    def __init__(
        self,
        delegate: Embedder,
        *,
        failures: int = 0,
        before_embed: Callable[[], None] | None = None,
    ) -> None:
        self.delegate = delegate
        self.failures = failures
        self.before_embed = before_embed
        self.calls = 0

    @property
    def name(self) -> str:
        return self.delegate.name

    @property
    def dimension(self) -> int:
        return self.delegate.dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls += 1
        if self.before_embed is not None:
            hook, self.before_embed = self.before_embed, None
            hook()
        if self.calls <= self.failures:
            raise ServiceUnavailable("embedding service failed: 503 Service Unavailable")
        return self.delegate.embed(texts)


@dataclasses.dataclass
class Setup:
    runtime: Runtime
    queue: InProcessJobQueue
    workspace_id: str

    def with_embedder(self, embedder: Embedder) -> Runtime:
        return dataclasses.replace(self.runtime, _embedder=embedder)

    def register(self, data: bytes, filename: str = "guide.md") -> IngestionRequest:
        outcome = service.ingest_bytes(
            self.runtime, workspace_id=self.workspace_id, data=data, filename=filename
        )
        assert outcome.created
        assert self.queue.requests[-1] == IngestionRequest(outcome.document.id, 1)
        return self.queue.requests[-1]

    def reingest(self, document_id: str) -> IngestionRequest:
        with transaction(self.runtime.sessions) as session:
            public = service.reingest(
                session, jobs=self.queue, workspace_id=self.workspace_id, document_id=document_id
            )
        request = self.queue.requests[-1]
        assert request == IngestionRequest(document_id, public.version)
        return request

    def delete(self, document_id: str) -> None:
        with transaction(self.runtime.sessions) as session:
            service.delete_document(
                session,
                vector_store=self.runtime.vector_store,
                workspace_id=self.workspace_id,
                document_id=document_id,
            )

    def document(self, document_id: str) -> Document | None:
        with self.runtime.sessions() as session:
            return session.get(Document, document_id)

    def chunk_ids(self, document_id: str) -> list[str]:
        with self.runtime.sessions() as session:
            return sorted(
                session.scalars(
                    select(ChunkRecord.id).where(ChunkRecord.document_id == document_id)
                )
            )

    def keyword_chunk_ids(self, document_id: str) -> list[str]:
        with self.runtime.sessions() as session:
            return sorted(
                session.scalars(
                    select(KeywordChunk.chunk_id).where(KeywordChunk.document_id == document_id)
                )
            )

    def posting_count(self, document_id: str) -> int:
        with self.runtime.sessions() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(KeywordPosting)
                    .where(KeywordPosting.document_id == document_id)
                )
                or 0
            )

    def vector_ids(self, embedder: Embedder | None = None) -> list[str]:
        """Every vector of the workspace (each test has its own workspace)."""
        store = self.runtime.vector_store
        if store.count(workspace_id=self.workspace_id) == 0:
            return []
        probe = (embedder or self.runtime.embedder).embed(["probe"])[0]
        hits = store.query(workspace_id=self.workspace_id, vector=probe, limit=10_000)
        return sorted(chunk_id for chunk_id, _ in hits)

    def assert_indexed(self, document_id: str, version: int, **kwargs: Any) -> Document:
        """Ready at ``version`` with exactly one set of chunks, postings and vectors."""
        document = self.document(document_id)
        assert document is not None
        assert document.status == "ready", (document.failure_code, document.failure_reason)
        assert document.version == version
        assert document.indexed_version == version
        count = document.chunk_count
        assert count >= 2
        expected = sorted(f"{document_id}:{version}:{position}" for position in range(count))
        assert self.chunk_ids(document_id) == expected
        assert self.keyword_chunk_ids(document_id) == expected
        assert self.vector_ids(**kwargs) == expected
        return document

    def assert_nothing_indexed(self, document_id: str) -> None:
        assert self.chunk_ids(document_id) == []
        assert self.keyword_chunk_ids(document_id) == []
        assert self.posting_count(document_id) == 0
        assert self.vector_ids() == []


@pytest.fixture
def setup(runtime: Runtime, make_tenant: Any) -> Iterator[Setup]:
    queue = InProcessJobQueue(mode="collect")
    workspace_id = make_tenant().workspace_id
    yield Setup(dataclasses.replace(runtime, jobs=queue), queue, workspace_id)
    runtime.vector_store.delete_workspace(workspace_id=workspace_id)


def test_retryable_failure_then_success_indexes_once(setup: Setup) -> None:
    request = setup.register(guide("broadband"))
    flaky = setup.with_embedder(FlakyEmbedder(setup.runtime.embedder, failures=1))

    with pytest.raises(RetryableJobError, match="embedding service failed"):
        ingest_document(flaky, request)
    document = setup.document(request.document_id)
    assert document is not None
    assert (document.status, document.attempts, document.chunk_count) == ("processing", 1, 0)
    assert document.failure_code is None
    setup.assert_nothing_indexed(request.document_id)

    ingest_document(flaky, request)
    document = setup.assert_indexed(request.document_id, 1)
    assert document.attempts == 2
    assert document.failure_code is None


def test_gives_up_after_max_retries(setup: Setup) -> None:
    max_retries = setup.runtime.settings.job_max_retries
    request = setup.register(guide("television"))
    down = FlakyEmbedder(setup.runtime.embedder, failures=1000)
    flaky = setup.with_embedder(down)

    for attempt in range(1, max_retries + 1):
        with pytest.raises(RetryableJobError):
            ingest_document(flaky, request)
        document = setup.document(request.document_id)
        assert document is not None
        assert (document.status, document.attempts) == ("processing", attempt)

    ingest_document(flaky, request)  # the last attempt records the failure instead of raising
    document = setup.document(request.document_id)
    assert document is not None
    assert document.status == "failed"
    assert document.failure_code == "service_unavailable"
    assert f"after {max_retries + 1} attempts" in (document.failure_reason or "")
    assert document.attempts == max_retries + 1
    assert document.indexed_version is None
    assert down.calls == max_retries + 1
    setup.assert_nothing_indexed(request.document_id)


def test_queue_and_job_agree_on_the_retry_budget(setup: Setup) -> None:
    """Run through the in-process retry loop: the document ends failed, never stuck."""
    request = setup.register(guide("mobile"))
    down = FlakyEmbedder(setup.runtime.embedder, failures=1000)
    flaky = setup.with_embedder(down)
    queue = InProcessJobQueue(
        lambda job: ingest_document(flaky, job),
        mode="inline",
        max_retries=setup.runtime.settings.job_max_retries,
        backoff_seconds=0,
    )
    queue.enqueue_ingestion(request)
    document = setup.document(request.document_id)
    assert document is not None
    assert (document.status, document.failure_code) == ("failed", "service_unavailable")
    assert down.calls == setup.runtime.settings.job_max_retries + 1


@pytest.mark.parametrize("remedy", ["reingest", "upload again"])
def test_a_new_version_gets_a_fresh_retry_budget(setup: Setup, remedy: str) -> None:
    """After giving up, a re-ingestion (the documented remedy) or uploading the same file
    again retries again: the budget is per version, not per document."""
    data = guide("energy")
    request = setup.register(data)
    flaky = setup.with_embedder(FlakyEmbedder(setup.runtime.embedder, failures=1000))
    InProcessJobQueue(
        lambda job: ingest_document(flaky, job),
        mode="inline",
        max_retries=setup.runtime.settings.job_max_retries,
        backoff_seconds=0,
    ).enqueue_ingestion(request)
    failed = setup.document(request.document_id)
    assert failed is not None
    assert failed.status == "failed"

    if remedy == "reingest":
        again = setup.reingest(request.document_id)
    else:
        outcome = service.ingest_bytes(
            setup.runtime, workspace_id=setup.workspace_id, data=data, filename="guide.md"
        )
        assert (outcome.document.id, outcome.document.status) == (request.document_id, "pending")
        assert outcome.document.failure_code is None
        again = setup.queue.requests[-1]
        assert again == IngestionRequest(request.document_id, 2)
    blip = setup.with_embedder(FlakyEmbedder(setup.runtime.embedder, failures=1))
    with pytest.raises(RetryableJobError):
        ingest_document(blip, again)
    ingest_document(blip, again)
    setup.assert_indexed(request.document_id, again.version)


def test_real_http_embedding_service_error_is_retried(setup: Setup) -> None:
    """The same through a real OpenAI-compatible server answering 500 once."""
    request = setup.register(guide("insurance"))
    with EmbeddingServer(dimension=64) as server:
        remote = OpenAICompatibleEmbedder(
            base_url=server.url, model="m", api_key=None, timeout_seconds=5
        )
        try:
            server.fail_next(1)
            with pytest.raises(RetryableJobError, match="500"):
                ingest_document(setup.with_embedder(remote), request)
            ingest_document(setup.with_embedder(remote), request)
            assert server.request_count == 2
            setup.assert_indexed(request.document_id, 1, embedder=remote)
        finally:
            remote.close()


def test_same_job_twice_leaves_one_set_of_chunks(setup: Setup) -> None:
    request = setup.register(guide("parking"))
    ingest_document(setup.runtime, request)
    first = setup.assert_indexed(request.document_id, 1)
    postings = setup.posting_count(request.document_id)

    # At-least-once delivery: the same message again, e.g. after a worker was presumed dead.
    ingest_document(setup.runtime, request)
    second = setup.assert_indexed(request.document_id, 1)
    assert second.chunk_count == first.chunk_count
    assert setup.posting_count(request.document_id) == postings
    assert second.attempts == 2


def test_superseded_version_does_nothing(setup: Setup) -> None:
    old = setup.register(guide("water"))
    new = setup.reingest(old.document_id)
    assert new.version == old.version + 1

    ingest_document(setup.runtime, old)
    document = setup.document(old.document_id)
    assert document is not None
    assert (document.status, document.version, document.attempts) == ("pending", new.version, 0)
    setup.assert_nothing_indexed(old.document_id)

    ingest_document(setup.runtime, new)
    setup.assert_indexed(old.document_id, new.version)
    ingest_document(setup.runtime, old)  # a late duplicate of the old job changes nothing
    setup.assert_indexed(old.document_id, new.version)


def test_job_superseded_while_embedding_keeps_the_indexed_vectors(setup: Setup) -> None:
    """v1 is indexed; the v2 job is overtaken by a re-ingestion (v3) while it embeds. The v2
    job must not leave its vectors behind, nor remove v1's, which are still searchable."""
    first = setup.register(guide("heating"))
    ingest_document(setup.runtime, first)
    setup.assert_indexed(first.document_id, 1)

    second = setup.reingest(first.document_id)
    bumped: list[IngestionRequest] = []
    overtaken = FlakyEmbedder(
        setup.runtime.embedder,
        before_embed=lambda: bumped.append(setup.reingest(first.document_id)),
    )
    ingest_document(setup.with_embedder(overtaken), second)
    assert [request.version for request in bumped] == [3]

    document = setup.document(first.document_id)
    assert document is not None
    assert (document.status, document.version, document.indexed_version) == ("pending", 3, 1)
    expected = sorted(f"{first.document_id}:1:{i}" for i in range(document.chunk_count))
    assert setup.chunk_ids(first.document_id) == expected
    assert setup.vector_ids() == expected

    ingest_document(setup.runtime, bumped[0])
    setup.assert_indexed(first.document_id, 3)


def test_job_overtaken_by_a_finished_newer_job_keeps_its_vectors(setup: Setup) -> None:
    """Two workers: the v2 job embeds slowly while v3 is queued and fully processed by another
    worker. When v2 finds itself superseded it must not remove v3's vectors."""
    first = setup.register(guide("cooling"))
    second = setup.reingest(first.document_id)

    def newer_job_runs_elsewhere() -> None:
        third = setup.reingest(first.document_id)
        ingest_document(setup.runtime, third)
        setup.assert_indexed(first.document_id, third.version)

    slow = FlakyEmbedder(setup.runtime.embedder, before_embed=newer_job_runs_elsewhere)
    ingest_document(setup.with_embedder(slow), second)
    setup.assert_indexed(first.document_id, 3)


def test_job_for_a_deleted_document_does_nothing(setup: Setup) -> None:
    request = setup.register(guide("gas"))
    setup.delete(request.document_id)
    ingest_document(setup.runtime, request)
    assert setup.document(request.document_id) is None
    setup.assert_nothing_indexed(request.document_id)


def test_document_deleted_while_embedding_leaves_no_vectors(setup: Setup) -> None:
    request = setup.register(guide("electricity"))

    def delete() -> None:
        setup.delete(request.document_id)

    ingest_document(
        setup.with_embedder(FlakyEmbedder(setup.runtime.embedder, before_embed=delete)), request
    )
    assert setup.document(request.document_id) is None
    setup.assert_nothing_indexed(request.document_id)
