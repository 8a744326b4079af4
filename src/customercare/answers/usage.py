"""Token usage for the OpenAI-compatible facade, counted the same way for every provider.

The offline provider has no tokenizer and an LLM's own counts are not always returned, so
the facade counts *words and punctuation marks*: each run of letters or digits is one token,
and so is each other non-space character (``"can't stop!"`` is ``can ' t stop !``: 5). This
is close to what word-piece tokenizers count for English help-centre text (within about 30%)
and never 0 for a non-empty text; it is an estimate for quotas and dashboards, not a bill."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["count_tokens", "usage"]

_TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    return len(_TOKEN.findall(text))


def usage(prompt: Iterable[str], completion: str) -> dict[str, int]:
    """The OpenAI ``usage`` object for the texts sent and the answer returned."""
    prompt_tokens = sum(count_tokens(text) for text in prompt)
    completion_tokens = count_tokens(completion)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
