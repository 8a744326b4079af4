"""One progress display for long commands: a bar per stage, fed by ``(stage, done, total)``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from customercare.cli.context import console

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from customercare.evaluation.retrieval import Progress as ProgressCallback


def bar() -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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
