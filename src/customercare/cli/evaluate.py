"""``ccgpt eval``: measure retrieval quality on a BEIR-format dataset."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from customercare.cli.context import app_errors, console, open_runtime
from customercare.cli.progress import stage_progress
from customercare.evaluation.beir import load_dataset
from customercare.evaluation.retrieval import evaluate
from customercare.evaluation.trec import write_run
from customercare.search.service import SearchMode

app = typer.Typer(help="Measure quality.", no_args_is_help=True)
MODES: tuple[SearchMode, ...] = ("bm25", "dense", "hybrid")


@app.command("retrieval")
def retrieval(
    beir: Path = typer.Option(..., "--beir", help="BEIR dataset directory.", exists=True),
    split: str = typer.Option("test", help="Qrels split (qrels/<split>.tsv)."),
    mode: list[str] = typer.Option(["hybrid"], help="bm25, dense or hybrid (repeatable)."),
    run_out: Path | None = typer.Option(None, help="TREC run file ({mode} is replaced)."),
    keep: bool = typer.Option(
        False,
        help="Keep the scratch workspace, and reuse a kept one (tuning without re-ingesting).",
    ),
) -> None:
    """Ingest the corpus into a scratch workspace, run every query, print nDCG@10 and
    Recall@100, and optionally write a TREC run file."""
    for item in mode:
        if item not in MODES:
            raise typer.BadParameter(f"{item!r}: use bm25, dense or hybrid", param_hint="--mode")
    modes: list[SearchMode] = [m for m in MODES if m in mode]
    with app_errors():
        dataset = load_dataset(beir, split=split)
    console.print(
        f"{len(dataset.corpus)} documents, {len(dataset.queries)} queries (split {split})"
    )
    with open_runtime(jobs=None) as runtime, app_errors(), stage_progress() as progress:
        reports = evaluate(
            runtime,
            dataset,
            modes=modes,
            name=beir.resolve().name,
            progress=progress,
            keep=keep,
        )
    table = Table("mode", "queries", "nDCG@10", "Recall@100", "search p50 ms", "p95 ms")
    for report in reports:
        latencies = sorted(report.search_latencies_ms)
        table.add_row(
            report.mode,
            str(report.queries),
            f"{report.ndcg_at_10:.4f}",
            f"{report.recall_at_100:.4f}",
            f"{latencies[len(latencies) // 2]:.1f}",
            f"{latencies[int(len(latencies) * 0.95)]:.1f}",
        )
        if run_out is not None:
            path = Path(str(run_out).replace("{mode}", report.mode))
            if len(reports) > 1 and "{mode}" not in str(run_out):
                path = path.with_name(f"{path.stem}.{report.mode}{path.suffix}")
            write_run(path, report.runs, tag=f"ccgpt-{report.mode}")
            console.print(f"run file: {path}")
    load = reports[0].load
    console.print(
        f"ingested {load.documents} documents ({load.chunks} chunks) in {load.seconds:.1f} s"
    )
    console.print(table)
