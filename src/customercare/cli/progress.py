"""One progress display for long commands: a bar per stage, fed by ``(stage, done, total)``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from customercare.cli.context import console
from customercare.evaluation.retrieval import Progress as ProgressCallback


def bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


@contextmanager
def stage_progress() -> Iterator[ProgressCallback]:
    with bar() as display:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = display.add_task(stage, total=total)
            display.update(tasks[stage], completed=done, total=total)
            if done == total:
                tasks.pop(stage)

        yield report
