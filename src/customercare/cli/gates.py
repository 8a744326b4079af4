"""``ccgpt gates``: decide whether a change may ship, from ``quality-gates.toml`` and the
reports the CI tools wrote. Exit 0 pass, 1 a gate failed (or a required one was not
evaluated), 2 a usage error (bad thresholds file, unknown stage)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from customercare.cli.context import console, error_console, fail

app = typer.Typer(help="Quality gates: thresholds against the tools' own reports.")


def _write(path: Path, text: str, *, append: bool = False) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a" if append else "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise fail(f"cannot write {path}: {error.strerror}", code=2) from error


@app.command("check")
def check(
    stage: str = typer.Option(
        "pr", help="Pipeline stage from the thresholds file: pr, main, release."
    ),
    reports: Path = typer.Option(Path("reports"), "--reports", help="Directory of tool reports."),
    thresholds_file: Path = typer.Option(
        Path("quality-gates.toml"), "--thresholds", help="The thresholds file."
    ),
    json_out: Path | None = typer.Option(None, "--json-out", help="Also write the result as JSON."),
    markdown_out: Path | None = typer.Option(
        None, "--markdown-out", help="Also write the result as a Markdown table."
    ),
) -> None:
    """Evaluate every gate, print the table, exit non-zero unless the run passes."""
    from customercare.delivery.gates import ThresholdsError, blocking, evaluate, load_thresholds
    from customercare.delivery.gates.render import table, to_json, to_markdown

    try:
        thresholds = load_thresholds(thresholds_file)
        required = thresholds.required_for(stage)
    except ThresholdsError as error:
        raise fail(str(error), code=2) from error
    if not reports.is_dir():
        error_console.print(f"[yellow]warning:[/yellow] reports directory {reports} does not exist")
    # Only what the evaluator needs from the environment, passed down so it stays pure.
    env = {"GITHUB_ACTIONS": os.environ.get("GITHUB_ACTIONS", "")}
    results = evaluate(reports, thresholds, stage, env)
    reasons = blocking(results, required)
    passed = not reasons

    console.print(table(results, required, stage, passed))
    if json_out is not None:
        _write(json_out, to_json(results, required, stage, passed))
    markdown = to_markdown(results, required, stage, passed)
    if markdown_out is not None:
        _write(markdown_out, markdown)
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        _write(Path(step_summary), markdown, append=True)
    if not passed:
        raise fail("quality gates failed: " + "; ".join(reasons), code=1)
    console.print(f"[green]quality gates passed for stage {stage}[/green]")
