"""Embeddings from any OpenAI-compatible ``POST {base}/embeddings`` endpoint."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import numpy as np

from customercare.errors import ServiceUnavailable
from customercare.search.embedding.base import Vectors, normalise


class OpenAICompatibleEmbedder:
    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None,
        batch_size: int = 64,
        timeout_seconds: float = 30.0,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_seconds
        )
        self._model = model
        self._batch_size = batch_size
        self._dimension: int | None = None

    @property
    def name(self) -> str:
        return f"openai:{self._model}"

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self._dimension = int(self.embed(["dimension probe"]).shape[1])
        return self._dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            rows.extend(self._request(list(texts[start : start + self._batch_size])))
        if not rows:
            return np.zeros((0, self._dimension or 0), dtype=np.float32)
        vectors = normalise(np.array(rows, dtype=np.float32))
        self._dimension = int(vectors.shape[1])
        return vectors

    def _request(self, batch: list[str]) -> list[list[float]]:
        try:
            response = self._client.post("/embeddings", json={"model": self._model, "input": batch})
            response.raise_for_status()
            data = sorted(response.json()["data"], key=lambda item: item["index"])
            return [list(item["embedding"]) for item in data]
        except (httpx.HTTPError, KeyError, TypeError, ValueError) as error:
            raise ServiceUnavailable(f"embedding service failed: {error}") from error

    def close(self) -> None:
        self._client.close()
