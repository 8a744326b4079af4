"""Dense embedders; ``build_embedder`` picks one from the settings."""

from __future__ import annotations

from customercare.search.embedding.base import Embedder, Vectors, normalise
from customercare.settings import Settings

__all__ = ["Embedder", "Vectors", "build_embedder", "normalise"]


def build_embedder(settings: Settings, *, allow_download: bool = True) -> Embedder:
    if settings.embedder == "openai_compatible":
        from customercare.search.embedding.openai_compatible import OpenAICompatibleEmbedder

        if not settings.embedding_api_base:
            from customercare.errors import ServiceUnavailable

            raise ServiceUnavailable("CCGPT_EMBEDDING_API_BASE is required for this embedder")
        return OpenAICompatibleEmbedder(
            base_url=settings.embedding_api_base,
            model=settings.embedding_api_model,
            api_key=settings.embedding_api_key,
        )
    if settings.embedder == "sentence_transformers":
        from customercare.search.embedding.sentence_transformers import (
            SentenceTransformersEmbedder,
        )

        return SentenceTransformersEmbedder(
            settings.embedding_model_name, batch_size=settings.embedding_batch_size
        )
    from customercare.search.embedding.model_files import resolve_model_dir
    from customercare.search.embedding.onnx import OnnxEmbedder

    model_dir = resolve_model_dir(
        configured=settings.embedding_model_dir,
        cache_dir=settings.model_cache_dir,
        allow_download=allow_download,
    )
    return OnnxEmbedder(
        model_dir,
        max_tokens=settings.embedding_max_tokens,
        batch_size=settings.embedding_batch_size,
        threads=settings.embedding_threads,
    )
