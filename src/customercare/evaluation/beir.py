"""Reading a dataset in the BEIR layout: corpus.jsonl, queries.jsonl, qrels/<split>.tsv."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from customercare.errors import ValidationFailed

Qrels = dict[str, dict[str, int]]


@dataclass(frozen=True, slots=True)
class BeirDocument:
    id: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class BeirDataset:
    corpus: list[BeirDocument]
    queries: dict[str, str]
    qrels: Qrels


def load_dataset(directory: Path, *, split: str) -> BeirDataset:
    """The corpus, the queries that have judgements in ``split``, and those judgements."""
    paths = {
        "corpus": directory / "corpus.jsonl",
        "queries": directory / "queries.jsonl",
        "qrels": directory / "qrels" / f"{split}.tsv",
    }
    for name, path in paths.items():
        if not path.is_file():
            raise ValidationFailed(f"BEIR {name} file not found: {path}")
    qrels = _read_qrels(paths["qrels"])
    queries = {
        record["_id"]: record["text"]
        for record in _read_jsonl(paths["queries"])
        if record["_id"] in qrels
    }
    corpus = [
        BeirDocument(id=record["_id"], title=record.get("title") or "", text=record["text"])
        for record in _read_jsonl(paths["corpus"])
    ]
    return BeirDataset(corpus=corpus, queries=queries, qrels=qrels)


def _read_jsonl(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _read_qrels(path: Path) -> Qrels:
    qrels: Qrels = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if header is None:
            raise ValidationFailed(f"empty qrels file: {path}")
        for row in reader:
            if len(row) < 3:
                continue
            query_id, document_id, score = row[0], row[1], int(row[2])
            qrels.setdefault(query_id, {})[document_id] = score
    return qrels
