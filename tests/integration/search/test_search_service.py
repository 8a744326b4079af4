"""The search service runs BM25 on its own thread while the query is embedded and the vector
store asked: results and timings are complete, and the caller's session is never left in use
by that thread, even when the dense half fails."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

import pytest

from customercare.runtime import Runtime
from customercare.search import service as search
from customercare.search.keyword import index as keyword_index

RETURNS = b"# Returns\n\nPhones can be returned within 30 days of delivery for a full refund.\n"
SHIPPING = b"# Shipping\n\nStandard shipping takes 3 to 5 business days.\n"


class FailingVectorStore:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def query(self, **_: Any) -> list[tuple[str, float]]:
        raise ConnectionError("vector store unreachable")


def test_hybrid_search_has_both_halves_and_every_stage_timed(runtime: Runtime, tenant: Any) -> None:
    tenant.ingest("returns.md", RETURNS)
    tenant.ingest("shipping.md", SHIPPING)
    with runtime.sessions() as session:
        result = search.search(
            runtime, session, workspace_id=tenant.workspace_id, query="refund for a phone"
        )
    assert result.hits[0].chunk.title == "Returns"
    assert result.hits[0].keyword_score is not None
    assert result.hits[0].dense_similarity is not None
    assert [hit.rank for hit in result.hits] == list(range(1, len(result.hits) + 1))
    assert set(result.timings_ms) == {"keyword", "embed", "dense", "fuse", "load"}


def test_a_failing_dense_half_waits_for_the_keyword_half(
    runtime: Runtime, tenant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant.ingest("returns.md", RETURNS)
    finished = threading.Event()
    real_search = keyword_index.search

    def slow_keyword_search(*args: Any, **kwargs: Any) -> list[tuple[str, float]]:
        time.sleep(0.3)
        try:
            return real_search(*args, **kwargs)
        finally:
            finished.set()

    monkeypatch.setattr(keyword_index, "search", slow_keyword_search)
    broken = dataclasses.replace(runtime, vector_store=FailingVectorStore(runtime.vector_store))
    with runtime.sessions() as session:
        with pytest.raises(ConnectionError):
            search.search(broken, session, workspace_id=tenant.workspace_id, query="refund")
        # The keyword thread is done with the session before the error reaches the caller.
        assert finished.is_set()
        again = search.search(runtime, session, workspace_id=tenant.workspace_id, query="refund")
    assert again.hits
