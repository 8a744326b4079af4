from __future__ import annotations

from customercare.search.keyword.analyzer import analyze, term_frequencies


def test_stems_and_drops_stop_words() -> None:
    assert analyze("The refunds are refunded") == ["refund", "refund"]


def test_query_and_document_forms_meet() -> None:
    assert set(analyze("Cancelling my subscription")) <= set(
        analyze("How to cancel subscriptions")
    ) | {"my"}


def test_frequencies_and_length() -> None:
    counts, length = term_frequencies("Data roaming data caps")
    assert counts["data"] == 2
    assert length == 4


def test_overlong_tokens_are_ignored() -> None:
    assert analyze("x" * 65 + " phone") == ["phone"]
