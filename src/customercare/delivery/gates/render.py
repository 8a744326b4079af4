"""Three views of one result: a terminal table, JSON for tools, Markdown for the step summary."""

from __future__ import annotations

import json
from collections.abc import Sequence

from rich.table import Table

from customercare.delivery.gates.verdict import GateResult, Verdict

_STYLES = {Verdict.PASS: "green", Verdict.FAIL: "bold red", Verdict.NOT_EVALUATED: "yellow"}
_ICONS = {Verdict.PASS: "✅", Verdict.FAIL: "❌", Verdict.NOT_EVALUATED: "⚠️"}


def _name(result: GateResult, required: Sequence[str]) -> str:
    return f"{result.name} *" if result.name in required else result.name


def table(
    results: Sequence[GateResult], required: Sequence[str], stage: str, passed: bool
) -> Table:
    outcome = "[green]PASSED[/green]" if passed else "[bold red]FAILED[/bold red]"
    view = Table(
        "gate",
        "threshold",
        "measured",
        "verdict",
        "detail",
        title=f"Quality gates, stage {stage}: {outcome}",
        caption=f"* required for stage {stage}",
    )
    # At 80 columns cells wrap (long words fold) instead of ending in "...": names and
    # verdicts stay whole on one line.
    for column in view.columns:
        column.overflow = "fold"
    for column in (view.columns[0], view.columns[3]):
        column.no_wrap = True
    for result in results:
        style = _STYLES[result.verdict]
        view.add_row(
            _name(result, required),
            result.threshold,
            result.measured,
            f"[{style}]{result.verdict.value}[/{style}]",
            result.detail,
        )
    return view


def to_json(
    results: Sequence[GateResult], required: Sequence[str], stage: str, passed: bool
) -> str:
    gates = [{**result.to_dict(), "required": result.name in required} for result in results]
    document = {"stage": stage, "passed": passed, "required": list(required), "gates": gates}
    return json.dumps(document, indent=2) + "\n"


def _cell(text: str) -> str:
    # A pipe would split the cell; a newline would end the row.
    return text.replace("|", "\\|").replace("\n", " ") or " "


def to_markdown(
    results: Sequence[GateResult], required: Sequence[str], stage: str, passed: bool
) -> str:
    outcome = "✅ passed" if passed else "❌ failed"
    lines = [
        f"### Quality gates (stage `{stage}`): {outcome}",
        "",
        "| gate | threshold | measured | verdict | detail |",
        "| --- | --- | --- | --- | --- |",
    ]
    for result in results:
        verdict = f"{_ICONS[result.verdict]} {result.verdict.value}"
        cells = (_name(result, required), result.threshold, result.measured, verdict, result.detail)
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    lines += ["", f"\\* required for stage `{stage}`", ""]
    return "\n".join(lines)
