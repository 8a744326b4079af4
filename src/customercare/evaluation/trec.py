"""TREC run files: ``qid Q0 docid rank score tag``, one line per retrieved document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path


def write_run(path: Path, runs: Mapping[str, Sequence[tuple[str, float]]], *, tag: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for query_id, ranking in runs.items():
            for rank, (document_id, score) in enumerate(ranking, start=1):
                handle.write(f"{query_id} Q0 {document_id} {rank} {score:.6f} {tag}\n")


def read_run(path: Path) -> dict[str, list[tuple[str, float]]]:
    runs: dict[str, list[tuple[str, float]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        query_id, _, document_id, _rank, score, _tag = line.split()
        runs.setdefault(query_id, []).append((document_id, float(score)))
    return runs
