"""``ccgpt bench``: measurements printed, never asserted. Each runs against whatever backends
the settings name: embedded by default; PostgreSQL, Redis and a Chroma server with
DATABASE_URL, REDIS_URL and CHROMA_URL.

- ``bench search``: ingestion throughput and search latency on a BEIR corpus;
- ``bench chat``: answer latency over the demo answer set, and the platform's overhead."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer
from rich.table import Table

from customercare.cli.context import app_errors, console, open_runtime, settings
from customercare.cli.progress import stage_progress

app = typer.Typer(help="Benchmarks (printed, not asserted).", no_args_is_help=True)


def describe_backend() -> str:
    current = settings()
    backend = "production" if current.database_url or current.chroma_url else "embedded"
    backend += f" (db={current.resolved_database_url.split(':', 1)[0]}, "
    backend += f"chroma={'server' if current.chroma_url else 'embedded'}, "
    backend += f"jobs={'redis' if current.redis_url else 'in-process'})"
    return backend


@app.command("search")
def search(
    beir: Path = typer.Option(..., "--beir", help="BEIR dataset directory.", exists=True),
    split: str = typer.Option("test", help="Qrels split whose queries are timed."),
    limit_documents: int = typer.Option(0, help="Use only the first N documents (0 = all)."),
    baseline_sample: int = typer.Option(
        1000, help="Passages embedded bare for the baseline (0 = all)."
    ),
    keep: bool = typer.Option(
        False,
        help="Keep the loaded workspace, and reuse a kept one (the same one `ccgpt eval "
        "retrieval --keep` keeps): searches are timed again without ingesting.",
    ),
) -> None:
    """Print documents/s and chunks/s of ingestion next to the bare embedder's chunks/s (a
    separate sample, and its time inside the run), and search latency p50/p95/p99."""
    from customercare.evaluation.beir import load_dataset
    from customercare.evaluation.benchmark import run_benchmark

    with app_errors():
        dataset = load_dataset(beir, split=split)
    if limit_documents > 0:
        dataset = dataclasses.replace(dataset, corpus=dataset.corpus[:limit_documents])
    with open_runtime(jobs=None) as runtime, app_errors(), stage_progress() as progress:
        report = run_benchmark(
            runtime,
            dataset,
            backend=describe_backend(),
            baseline_sample=baseline_sample,
            progress=progress,
            name=beir.resolve().name,
            keep=keep,
        )
    table = Table("measure", "value", title=f"benchmark: {report.backend}")
    rows = [("documents", f"{report.documents}"), ("chunks", f"{report.chunks}")]
    if report.ingestion_measured:
        rows += [
            ("ingestion time", f"{report.ingest_seconds:.1f} s"),
            ("ingestion documents/s", f"{report.documents_per_second:.1f}"),
            ("ingestion chunks/s", f"{report.chunks_per_second:.1f}"),
            ("bare embedder chunks/s", f"{report.baseline_chunks_per_second:.1f}"),
            ("ingestion / bare embedder", f"{report.ingest_to_baseline:.0%}"),
            (
                "embedder chunks/s inside the run",
                f"{report.in_run_embedder_chunks_per_second:.1f}",
            ),
            ("ingestion / embedder inside the run", f"{report.ingest_to_in_run_embedder:.1%}"),
        ]
    else:
        rows.append(("ingestion", "not measured (a kept workspace was reused)"))
    rows += [
        ("queries", f"{report.queries}"),
        ("search latency mean", f"{report.latency_mean:.1f} ms"),
        ("search latency p50", f"{report.latency_percentile(50):.1f} ms"),
        ("search latency p95", f"{report.latency_percentile(95):.1f} ms"),
        ("search latency p99", f"{report.latency_percentile(99):.1f} ms"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


@app.command("chat")
def chat(
    rounds: int = typer.Option(3, min=1, help="Times each question of the answer set is asked."),
) -> None:
    """Print answer latency p50/p95/p99 over the demo answer set, with the configured answer
    provider, and the platform's overhead (the turn minus the provider's generation time)."""
    from customercare.evaluation.answers import load_cases
    from customercare.evaluation.chat_benchmark import ChatBenchmarkReport, run_chat_benchmark

    cases = load_cases()
    with open_runtime(jobs="inline") as runtime, app_errors(), stage_progress() as progress:
        report = run_chat_benchmark(
            runtime, cases, backend=describe_backend(), rounds=rounds, progress=progress
        )
    table = Table("measure", "p50", "p95", "p99", title=f"chat: {report.backend}")
    for name, values in (("answer", report.latencies_ms), ("overhead", report.overheads_ms)):
        table.add_row(
            f"{name} ms",
            *(f"{ChatBenchmarkReport.percentile(values, p):.1f}" for p in (50, 95, 99)),
        )
    console.print(table)
    console.print(f"{report.turns} turns, provider {report.provider}")
