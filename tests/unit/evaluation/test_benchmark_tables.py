from __future__ import annotations

from customercare.evaluation.benchmark import SEARCH_TABLES, VACUUM_SEARCH_TABLES


def test_the_vacuum_statement_names_every_table_a_search_reads() -> None:
    named = VACUUM_SEARCH_TABLES.removeprefix("VACUUM (ANALYZE) ").split(", ")
    assert named == [model.__tablename__ for model in SEARCH_TABLES]
