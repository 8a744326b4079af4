"""Any sentence-transformers model by name; needs the optional ``sentence-transformers`` package
(and PyTorch), which the default install does not include."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from customercare.errors import ServiceUnavailable
from customercare.search.embedding.base import Vectors, normalise


class SentenceTransformersEmbedder:
    def __init__(self, model_name: str, *, batch_size: int = 32) -> None:
        try:
            from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]
        except ImportError as error:
            raise ServiceUnavailable(
                "CCGPT_EMBEDDER=sentence_transformers needs `pip install sentence-transformers`"
            ) from error
        self._model: Any = SentenceTransformer(model_name, device="cpu")
        self._name = f"st:{model_name}"
        self._batch_size = batch_size

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return int(self._model.get_sentence_embedding_dimension())

    def embed(self, texts: Sequence[str]) -> Vectors:
        vectors = self._model.encode(list(texts), batch_size=self._batch_size)
        return normalise(np.asarray(vectors, dtype=np.float32))
