"""The OpenAI-compatible embedder against a real HTTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from customercare.errors import ServiceUnavailable
from customercare.search.embedding import build_embedder
from customercare.search.embedding.openai_compatible import OpenAICompatibleEmbedder
from customercare.settings import Settings
from tests.support.embedding_server import EmbeddingServer, hashed_vector


@pytest.fixture
def server() -> Iterator[EmbeddingServer]:
    with EmbeddingServer(dimension=64, shuffle=True) as running:
        yield running


@pytest.fixture
def embedder(server: EmbeddingServer) -> Iterator[OpenAICompatibleEmbedder]:
    client = OpenAICompatibleEmbedder(
        base_url=server.url + "/", model="test-embed", api_key=None, timeout_seconds=5
    )
    yield client
    client.close()


def test_vectors_are_normalised_float32(embedder: OpenAICompatibleEmbedder) -> None:
    vectors = embedder.embed(["How do I reset my password?", "refund policy", ""])
    assert vectors.shape == (3, 64)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_rows_follow_the_index_not_the_response_order(
    server: EmbeddingServer, embedder: OpenAICompatibleEmbedder
) -> None:
    texts = [f"text number {word}" for word in ("one", "two", "three", "four", "five")]
    vectors = embedder.embed(texts)
    expected = np.array([hashed_vector(text, 64) for text in texts], dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(vectors, expected, rtol=1e-5, atol=1e-6)
    assert server.requests[0]["input"] == texts
    assert server.requests[0]["model"] == "test-embed"


def test_similar_texts_are_closer(embedder: OpenAICompatibleEmbedder) -> None:
    query, near, far = embedder.embed(
        ["reset my account password", "how to reset a password", "shipping costs to Norway"]
    )
    assert float(query @ near) > float(query @ far)


def test_inputs_are_sent_in_batches(server: EmbeddingServer) -> None:
    embedder = OpenAICompatibleEmbedder(
        base_url=server.url, model="m", api_key=None, batch_size=4, timeout_seconds=5
    )
    try:
        texts = [f"chunk {i} words" for i in range(10)]
        vectors = embedder.embed(texts)
    finally:
        embedder.close()
    assert [len(request["input"]) for request in server.requests] == [4, 4, 2]
    assert [text for request in server.requests for text in request["input"]] == texts
    expected = np.array([hashed_vector(text, 64) for text in texts], dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(vectors, expected, rtol=1e-5, atol=1e-6)


def test_bearer_token_is_sent() -> None:
    with EmbeddingServer(api_key="sk-test-123") as server:
        good = OpenAICompatibleEmbedder(base_url=server.url, model="m", api_key="sk-test-123")
        bad = OpenAICompatibleEmbedder(base_url=server.url, model="m", api_key="sk-wrong")
        try:
            assert good.embed(["hello"]).shape == (1, 64)
            with pytest.raises(ServiceUnavailable, match="401"):
                bad.embed(["hello"])
        finally:
            good.close()
            bad.close()
        assert server.authorizations == ["Bearer sk-test-123", "Bearer sk-wrong"]


def test_no_authorization_header_without_a_key(
    server: EmbeddingServer, embedder: OpenAICompatibleEmbedder
) -> None:
    embedder.embed(["hello"])
    assert server.authorizations == [None]


def test_server_error_is_service_unavailable(
    server: EmbeddingServer, embedder: OpenAICompatibleEmbedder
) -> None:
    server.fail_next(1)
    with pytest.raises(ServiceUnavailable, match="500") as raised:
        embedder.embed(["hello"])
    assert raised.value.code == "service_unavailable"
    # The failure was transient: the next call works.
    assert embedder.embed(["hello"]).shape == (1, 64)
    assert server.request_count == 2


def test_malformed_json_is_service_unavailable(
    server: EmbeddingServer, embedder: OpenAICompatibleEmbedder
) -> None:
    server.malformed_next(1)
    with pytest.raises(ServiceUnavailable):
        embedder.embed(["hello"])


def test_slow_service_times_out_as_service_unavailable(server: EmbeddingServer) -> None:
    embedder = OpenAICompatibleEmbedder(
        base_url=server.url, model="m", api_key=None, timeout_seconds=0.3
    )
    server.stall()
    try:
        with pytest.raises(ServiceUnavailable):
            embedder.embed(["hello"])
        assert server.wait_for_stalled(timeout=5)
    finally:
        server.release()
        embedder.close()


def test_unreachable_service_is_service_unavailable() -> None:
    with EmbeddingServer() as server:
        url = server.url
    embedder = OpenAICompatibleEmbedder(base_url=url, model="m", api_key=None, timeout_seconds=2)
    try:
        with pytest.raises(ServiceUnavailable):
            embedder.embed(["hello"])
    finally:
        embedder.close()


def test_dimension_is_probed_once_then_known(
    server: EmbeddingServer, embedder: OpenAICompatibleEmbedder
) -> None:
    assert embedder.dimension == 64
    assert embedder.dimension == 64
    assert server.request_count == 1
    assert embedder.embed([]).shape == (0, 64)
    assert server.request_count == 1


def test_dimension_after_embedding_needs_no_probe(
    server: EmbeddingServer, embedder: OpenAICompatibleEmbedder
) -> None:
    embedder.embed(["a b c"])
    assert embedder.dimension == 64
    assert server.request_count == 1
    assert embedder.name == "openai:test-embed"


def test_built_from_settings(server: EmbeddingServer) -> None:
    settings = Settings(
        embedder="openai_compatible",
        embedding_api_base=server.url,
        embedding_api_key="sk-from-settings",
        embedding_api_model="from-settings",
    )
    embedder = build_embedder(settings)
    assert isinstance(embedder, OpenAICompatibleEmbedder)
    try:
        assert embedder.embed(["hello"]).shape == (1, 64)
    finally:
        embedder.close()
    assert server.requests[0]["model"] == "from-settings"
    assert server.authorizations == ["Bearer sk-from-settings"]


def test_missing_api_base_is_refused() -> None:
    with pytest.raises(ServiceUnavailable, match="CCGPT_EMBEDDING_API_BASE"):
        build_embedder(Settings(embedder="openai_compatible", embedding_api_base=None))
