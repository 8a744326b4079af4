"""``ccgpt bench``: ingestion throughput and search latency on a BEIR corpus (printed, not
asserted). Runs against whatever backends the settings name: embedded by default, PostgreSQL
and a Chroma server with DATABASE_URL and CHROMA_URL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer
from rich.table import Table

from customercare.cli.context import app_errors, console, open_runtime, settings
from customercare.cli.progress import stage_progress
from customercare.evaluation.beir import load_dataset
from customercare.evaluation.benchmark import run_benchmark


def bench(
    beir: Path = typer.Option(..., "--beir", help="BEIR dataset directory.", exists=True),
    split: str = typer.Option("test", help="Qrels split whose queries are timed."),
    limit_documents: int = typer.Option(0, help="Use only the first N documents (0 = all)."),
    baseline_sample: int = typer.Option(
        1000, help="Passages embedded bare for the baseline (0 = all)."
    ),
) -> None:
    """Print documents/s and chunks/s of ingestion next to the bare embedder's chunks/s, and
    search latency p50/p95/p99 over the dataset's queries."""
    with app_errors():
        dataset = load_dataset(beir, split=split)
    if limit_documents > 0:
        dataset = dataclasses.replace(dataset, corpus=dataset.corpus[:limit_documents])
    current = settings()
    backend = "production" if current.database_url or current.chroma_url else "embedded"
    backend += f" (db={current.resolved_database_url.split(':', 1)[0]}, "
    backend += f"chroma={'server' if current.chroma_url else 'embedded'})"
    with open_runtime(jobs=None) as runtime, app_errors(), stage_progress() as progress:
        report = run_benchmark(
            runtime,
            dataset,
            backend=backend,
            baseline_sample=baseline_sample,
            progress=progress,
        )
    table = Table("measure", "value", title=f"benchmark: {report.backend}")
    rows = [
        ("documents", f"{report.documents}"),
        ("chunks", f"{report.chunks}"),
        ("ingestion time", f"{report.ingest_seconds:.1f} s"),
        ("ingestion documents/s", f"{report.documents_per_second:.1f}"),
        ("ingestion chunks/s", f"{report.chunks_per_second:.1f}"),
        ("bare embedder chunks/s", f"{report.baseline_chunks_per_second:.1f}"),
        ("ingestion / bare embedder", f"{report.ingest_to_baseline:.0%}"),
        ("queries", f"{report.queries}"),
        ("search latency mean", f"{report.latency_mean:.1f} ms"),
        ("search latency p50", f"{report.latency_percentile(50):.1f} ms"),
        ("search latency p95", f"{report.latency_percentile(95):.1f} ms"),
        ("search latency p99", f"{report.latency_percentile(99):.1f} ms"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
