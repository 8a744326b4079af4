"""A tiny BEIR-format dataset written for tests: support questions and help articles."""

from __future__ import annotations

import json
from pathlib import Path

CORPUS = {
    "d1": ("Refund policy", "Phones can be returned within 30 days for a full refund."),
    "d2": ("Shipping times", "Standard shipping takes 3 to 5 business days in the mainland."),
    "d3": ("eSIM activation", "Scan the QR code in the app to activate an eSIM on your phone."),
    "d4": ("Roaming in Canada", "Roaming in Canada costs 5 dollars a day with Travel Pass."),
    "d5": (
        "Password reset",
        "Use the forgot password link; the reset email expires in 30 minutes.",
    ),
    "d6": ("Voicemail", "Hold the 1 key to call voicemail and record your greeting."),
}
QUERIES = {
    "q1": "can I get my money back for a phone",
    "q2": "how long does delivery take",
    "q3": "activate esim qr code",
    "q4": "price of using my phone in Canada",
    "q5": "I forgot my password",
}
QRELS = {"q1": "d1", "q2": "d2", "q3": "d3", "q4": "d4", "q5": "d5"}


def write_dataset(directory: Path, *, split: str = "test") -> Path:
    (directory / "qrels").mkdir(parents=True, exist_ok=True)
    with (directory / "corpus.jsonl").open("w") as handle:
        for doc_id, (title, text) in CORPUS.items():
            handle.write(json.dumps({"_id": doc_id, "title": title, "text": text}) + "\n")
    with (directory / "queries.jsonl").open("w") as handle:
        for query_id, text in QUERIES.items():
            handle.write(json.dumps({"_id": query_id, "text": text}) + "\n")
        handle.write(json.dumps({"_id": "unjudged", "text": "not in the qrels"}) + "\n")
    lines = ["query-id\tcorpus-id\tscore"] + [f"{q}\t{d}\t1" for q, d in QRELS.items()]
    (directory / "qrels" / f"{split}.tsv").write_text("\n".join(lines) + "\n")
    return directory
