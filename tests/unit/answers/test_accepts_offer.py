"""Saying yes to the bot's offer of a human, and what is not a yes."""

from __future__ import annotations

import pytest

from customercare.answers.intent import accepts_offer


@pytest.mark.parametrize(
    "message",
    [
        "yes",
        "Yes please",
        "sure",
        "ok",
        "OK!",
        "please do",
        "yes connect me",
        "yes, please connect me with someone",
        "Yeah that would be great",
        "ja",
        "Ja bitte",
        "gerne",
        "ja gerne, verbinden Sie mich",
        "bitte verbinden",
        "oui",
    ],
)
def test_a_yes_accepts(message: str) -> None:
    assert accepts_offer(message)


@pytest.mark.parametrize(
    "message",
    [
        "no",
        "no thanks",
        "nein danke",
        "thanks",
        "",
        "yes but how do I reset my password",
        "ok, and what about annual plans?",
        "How do I cancel my subscription?",
        "sure?",
        "ok what is the refund policy for orders placed before the last sale",
    ],
)
def test_anything_else_does_not(message: str) -> None:
    assert not accepts_offer(message)
