from __future__ import annotations

from pathlib import Path

import pytest

from customercare.errors import ValidationFailed
from customercare.evaluation.beir import load_dataset
from tests.support.beir_fixture import CORPUS, QRELS, write_dataset


def test_loads_corpus_judged_queries_and_qrels(tmp_path: Path) -> None:
    dataset = load_dataset(write_dataset(tmp_path), split="test")
    assert [d.id for d in dataset.corpus] == list(CORPUS)
    assert set(dataset.queries) == set(QRELS)  # the unjudged query is left out
    assert dataset.qrels["q1"] == {"d1": 1}


def test_missing_split_is_a_clear_error(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    with pytest.raises(ValidationFailed, match="qrels"):
        load_dataset(tmp_path, split="dev")
