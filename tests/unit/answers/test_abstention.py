from __future__ import annotations

import pytest

from customercare.answers.abstention import NOT_IN_PASSAGES, AbstentionWatch


def stream(*deltas: str) -> tuple[str, bool]:
    watch = AbstentionWatch()
    passed = "".join(watch.feed(delta) for delta in deltas) + watch.flush()
    return passed, watch.abstained


@pytest.mark.parametrize(
    "deltas",
    [
        (NOT_IN_PASSAGES,),
        ("NOT", "_IN_", "PASSAGES"),
        (
            "  **NOT_IN",
            "_PASSAGES**",
        ),
        ("`NOT_IN_PASSAGES`", "\n"),
        ("NOT_IN_PASSAGES", ". The passages only cover returns."),
    ],
)
def test_the_sentinel_is_an_abstention_and_never_passed_on(deltas: tuple[str, ...]) -> None:
    passed, abstained = stream(*deltas)
    assert abstained
    assert passed == ""


def test_an_answer_is_passed_on_as_soon_as_it_cannot_be_the_sentinel() -> None:
    watch = AbstentionWatch()
    assert watch.feed("Returns ") == "Returns "  # "R" rules the sentinel out at once
    assert watch.feed("take 30 days [1].") == "take 30 days [1]."
    assert watch.flush() == ""
    assert not watch.abstained


def test_a_start_that_could_be_the_sentinel_is_held_until_it_diverges() -> None:
    watch = AbstentionWatch()
    assert watch.feed("NOT") == ""
    assert watch.feed("E: returns take 30 days [1].") == "NOTE: returns take 30 days [1]."
    assert not watch.abstained


@pytest.mark.parametrize("reply", ["NO", "NOT_IN", "No, that is not covered [1].", ""])
def test_anything_short_of_the_sentinel_is_an_answer(reply: str) -> None:
    passed, abstained = stream(*reply)  # one character at a time
    assert not abstained
    assert passed == reply


def test_the_sentinel_later_in_an_answer_is_not_an_abstention() -> None:
    passed, abstained = stream("Returns take 30 days [1]. ", NOT_IN_PASSAGES)
    assert not abstained
    assert passed.endswith(NOT_IN_PASSAGES)
