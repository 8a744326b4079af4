"""Answer generators: ``offline`` (extractive, no key) and ``openai_compatible`` (any
chat-completions endpoint). ``build_provider`` picks one from the settings."""

from __future__ import annotations

from customercare.answers.providers.base import (
    AnswerProvider,
    GenerationRequest,
    Passage,
    ProviderError,
    Turn,
)
from customercare.search.service import Embedder
from customercare.settings import Settings

__all__ = [
    "AnswerProvider",
    "GenerationRequest",
    "Passage",
    "ProviderError",
    "Turn",
    "build_provider",
]


def build_provider(settings: Settings, *, embedder: Embedder | None = None) -> AnswerProvider:
    """``embedder`` lets the offline provider choose sentences by meaning, not only words."""
    from customercare.answers.providers.offline import OfflineProvider

    if settings.answer_provider == "openai_compatible":
        from customercare.answers.providers.openai_compatible import OpenAICompatibleProvider

        return OpenAICompatibleProvider.from_settings(settings)
    return OfflineProvider(embedder)
