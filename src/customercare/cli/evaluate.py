"""``ccgpt eval``: measure retrieval quality on a BEIR-format dataset and answer quality on an
answer set (the demo help center's by default)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from customercare.cli.context import app_errors, console, open_runtime
from customercare.cli.progress import stage_progress
from customercare.demo import ANSWER_EVAL_FILE, CONTENT_DIR

if TYPE_CHECKING:
    from customercare.evaluation import answers as answer_eval
    from customercare.evaluation.cross_validation import CrossValidationReport
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
    cross_validate_folds: int = typer.Option(
        0,
        "--cross-validate",
        help="Also cross-validate the fusion setting over K folds of the queries (0: off).",
        min=0,
    ),
    repeats: int = typer.Option(10, help="Shuffles of the folds for --cross-validate.", min=1),
) -> None:
    """Ingest the corpus into a scratch workspace, run every query, print nDCG@10 and
    Recall@100, and optionally write a TREC run file."""
    from customercare.evaluation.beir import load_dataset
    from customercare.evaluation.cross_validation import cross_validate
    from customercare.evaluation.retrieval import evaluate_modes, loaded_corpus, score_candidates
    from customercare.evaluation.trec import write_run

    for item in mode:
        if item not in MODES:
            raise typer.BadParameter(f"{item!r}: use bm25, dense or hybrid", param_hint="--mode")
    modes: list[SearchMode] = [m for m in MODES if m in mode]
    with app_errors():
        dataset = load_dataset(beir, split=split)
    console.print(
        f"{len(dataset.corpus)} documents, {len(dataset.queries)} queries (split {split})"
    )
    if cross_validate_folds == 1 or cross_validate_folds > len(dataset.queries):
        raise typer.BadParameter(
            f"use 2 to {len(dataset.queries)} folds", param_hint="--cross-validate"
        )
    cross_validation: CrossValidationReport | None = None
    with (
        open_runtime(jobs=None) as runtime,
        app_errors(),
        stage_progress() as progress,
        loaded_corpus(
            runtime, dataset, name=beir.resolve().name, keep=keep, progress=progress
        ) as corpus,
    ):
        reports = evaluate_modes(runtime, dataset, corpus, modes=modes, progress=progress)
        if cross_validate_folds:
            scores = score_candidates(runtime, dataset, corpus, progress=progress)
            cross_validation = cross_validate(scores, folds=cross_validate_folds, repeats=repeats)
    table = Table("mode", "queries", "nDCG@10", "95% CI", "Recall@100", "search p50 ms", "p95 ms")
    for report in reports:
        latencies = sorted(report.search_latencies_ms)
        table.add_row(
            report.mode,
            str(report.queries),
            f"{report.ndcg_at_10:.4f}",
            "{:.3f}-{:.3f}".format(*report.ndcg_interval),
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
    if cross_validation is not None:
        _print_cross_validation(cross_validation)


def _print_cross_validation(report: CrossValidationReport) -> None:
    table = Table("hybrid setting", "nDCG@10 (all queries)")
    for name, ndcg in report.candidate_ndcg.items():
        table.add_row(name, f"{ndcg:.4f}")
    console.print(table)
    folds = Table("fold", "queries", "chosen on the other folds", "their nDCG@10", "fold nDCG@10")
    for choice in report.choices:
        folds.add_row(
            str(choice.fold),
            str(choice.queries),
            choice.candidate,
            f"{choice.train_ndcg:.4f}",
            f"{choice.test_ndcg:.4f}",
        )
    console.print(folds)
    low, high = report.interval
    console.print(
        f"cross-validated hybrid ({report.folds} folds, {report.repeats} shuffles): "
        f"nDCG@10 {report.ndcg_at_10:.4f} (95% interval {low:.4f}-{high:.4f}, "
        f"spread over shuffles {report.repeat_spread:.4f}), "
        f"Recall@100 {report.recall_at_100:.4f}"
    )


@app.command("answers")
def answers(
    cases: Path = typer.Option(
        ANSWER_EVAL_FILE, "--cases", help="Answer set (JSON lines).", exists=True
    ),
    content: Path = typer.Option(
        CONTENT_DIR, "--content", help="Knowledge base to load.", exists=True
    ),
    calibrate: bool = typer.Option(
        False, help="Also fit the evidence model to this set and print its coefficients."
    ),
    show: str = typer.Option("errors", help="Which cases to list: errors, all or none."),
    as_json: bool = typer.Option(False, "--json", help="Print the rates as JSON."),
) -> None:
    """Ask every question in a scratch workspace loaded with the knowledge base, then print the
    rates of correct citation, correct abstention and wrong answers."""
    from customercare.evaluation import answers as answer_eval
    from customercare.evaluation.retrieval import scratch_workspace

    with app_errors():
        loaded = answer_eval.load_cases(cases)
    with (
        open_runtime(jobs="inline") as runtime,
        app_errors(),
        scratch_workspace(runtime, name="answer-evaluation") as workspace_id,
        stage_progress() as progress,
    ):
        answer_eval.load_demo_content(runtime, workspace_id=workspace_id, content_dir=content)
        report = answer_eval.evaluate_answers(
            runtime, loaded, workspace_id=workspace_id, progress=progress
        )
    if as_json:
        console.print_json(data=report.as_dict())
    else:
        _print_answer_report(report, show=show)
    if calibrate:
        from customercare.evaluation.calibration import fit_evidence_model

        fitted = fit_evidence_model(report.results)
        console.print(
            "fitted evidence model: "
            f"CCGPT_EVIDENCE_BIAS={fitted.bias} "
            f"CCGPT_EVIDENCE_DENSE_WEIGHT={fitted.dense_weight} "
            f"CCGPT_EVIDENCE_GAP_WEIGHT={fitted.gap_weight}"
        )


def _print_answer_report(report: answer_eval.AnswerReport, *, show: str) -> None:
    from customercare.evaluation import answers as answer_eval

    listed = [
        r
        for r in report.results
        if show == "all" or (show == "errors" and r.outcome not in answer_eval.CORRECT)
    ]
    if listed:
        table = Table("case", "outcome", "conf.", "cited", "expected", show_lines=False)
        for r in listed:
            table.add_row(
                r.case.id,
                r.outcome,
                "" if r.confidence is None else f"{r.confidence:.2f}",
                ", ".join(r.cited) or "-",
                ", ".join(r.case.expected_documents) or "(unanswerable)",
            )
        console.print(table)
    summary = report.as_dict()
    latencies = sorted(r.latency_ms for r in report.results)
    console.print(
        f"{summary['cases']} questions ({summary['answerable']} answerable, "
        f"{summary['unanswerable']} unanswerable)\n"
        f"correct citation:   {report.correct_citation:.1%}\n"
        f"correct abstention: {report.correct_abstention:.1%}\n"
        f"wrong answer:       {report.wrong_answer:.1%}\n"
        f"latency p50 {latencies[len(latencies) // 2]:.1f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95)]:.1f} ms"
    )
