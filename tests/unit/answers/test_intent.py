"""Requests for a human and follow-ups are recognised from the words alone."""

from __future__ import annotations

import pytest

from customercare.answers.intent import asks_for_human, is_follow_up


@pytest.mark.parametrize(
    "message",
    [
        "Can I talk to a human please?",
        "I want to speak with a real person",
        "connect me to an agent",
        "transfer me to a representative now",
        "live agent",
        "agent",
        "Is there a customer service rep I can chat with? I need to talk to someone",
    ],
)
def test_requests_for_a_human_are_recognised(message: str) -> None:
    assert asks_for_human(message)


@pytest.mark.parametrize(
    "message",
    [
        "How do I become an agent for Lumen?",
        "What does the human resources team do?",
        "I don't need to talk to anyone, just tell me the refund window",
        "How do I reset my password?",
    ],
)
def test_ordinary_questions_are_not_handoffs(message: str) -> None:
    assert not asks_for_human(message)


@pytest.mark.parametrize(
    "message",
    ["and for annual plans?", "what about abroad?", "does it work there?", "ok so how much?"],
)
def test_follow_ups_are_recognised(message: str) -> None:
    assert is_follow_up(message)


@pytest.mark.parametrize(
    "message",
    [
        "How much does the Unlimited plan cost per month?",
        "My eSIM activation failed with an error on my iPhone",
    ],
)
def test_complete_questions_are_not_follow_ups(message: str) -> None:
    assert not is_follow_up(message)
