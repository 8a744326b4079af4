"""Chat latency through the real engine: every question of the answer set, a few rounds, on
whatever backends the settings name. Reports the whole turn (store the question, retrieve,
decide, generate, store the answer) and the platform's share: the turn minus generation."""

from __future__ import annotations

import time
from dataclasses import dataclass

from customercare.answers import engine
from customercare.evaluation.answers import AnswerCase, load_demo_content
from customercare.evaluation.retrieval import Progress, no_progress, scratch_workspace
from customercare.runtime import Runtime


@dataclass(frozen=True, slots=True)
class ChatBenchmarkReport:
    backend: str
    provider: str
    turns: int
    latencies_ms: list[float]
    overheads_ms: list[float]

    @staticmethod
    def percentile(values: list[float], percent: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]


def run_chat_benchmark(
    runtime: Runtime,
    cases: list[AnswerCase],
    *,
    backend: str,
    rounds: int,
    progress: Progress = no_progress,
) -> ChatBenchmarkReport:
    latencies: list[float] = []
    overheads: list[float] = []
    with scratch_workspace(runtime, name="chat benchmark (scratch)") as workspace_id:
        load_demo_content(runtime, workspace_id=workspace_id)
        _turn(runtime, workspace_id, cases[0].question)  # warm-up: model and caches
        total = rounds * len(cases)
        for done in range(total):
            case = cases[done % len(cases)]
            started = time.perf_counter()
            timings = _turn(runtime, workspace_id, case.question)
            elapsed = (time.perf_counter() - started) * 1000
            latencies.append(elapsed)
            overheads.append(elapsed - timings.get("generate", 0.0))
            progress("turns", done + 1, total)
    return ChatBenchmarkReport(
        backend=backend,
        provider=runtime.answer_provider.name,
        turns=len(latencies),
        latencies_ms=latencies,
        overheads_ms=overheads,
    )


def _turn(runtime: Runtime, workspace_id: str, question: str) -> dict[str, float]:
    turn = engine.start_turn(runtime, workspace_id=workspace_id, message=question, channel="cli")
    timings: dict[str, float] = engine.reply(runtime, turn).collect()["done"]["timings_ms"]
    return timings
