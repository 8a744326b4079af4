"""Markers in an answer and the citations that match them."""

from __future__ import annotations

from customercare.answers.citations import citations_for, cited_numbers, drop_unknown_markers
from customercare.answers.providers import Passage
from tests.support.factories import make_chunk


def passages(count: int) -> list[Passage]:
    return [
        Passage(number=n, chunk=make_chunk(text=f"passage {n} " + "word " * 80), score=1.0 / n)
        for n in range(1, count + 1)
    ]


def test_markers_are_read_in_order_of_first_appearance() -> None:
    assert cited_numbers("A [2]. B [1, 3]. C [2].") == [2, 1, 3]


def test_unknown_markers_are_dropped_and_known_ones_kept() -> None:
    text = "Returns take 30 days [1]. Refunds go to the card [7]. Both apply [1, 9]."
    assert drop_unknown_markers(text, known={1, 2}) == (
        "Returns take 30 days [1]. Refunds go to the card. Both apply [1]."
    )


def test_each_marker_gets_one_citation_with_the_fields_a_reader_needs() -> None:
    found = citations_for("First [2], then [1], again [2].", passages(3))
    assert [c["number"] for c in found] == [2, 1]
    first = found[0]
    assert set(first) == {
        "number",
        "document_id",
        "chunk_id",
        "title",
        "section",
        "page",
        "url",
        "snippet",
    }
    assert first["snippet"].startswith("passage 2")
    assert len(first["snippet"]) <= 240
