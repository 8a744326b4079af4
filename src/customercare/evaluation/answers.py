"""``ccgpt eval answers``: ask every question of an answer set through the real engine and
count how often the bot cites the right document, abstains when it should, or answers wrongly.

A case is a JSON line: ``{"id", "question", "answerable", "expected_documents": [filenames],
"history": [earlier customer messages]}``. An answerable case is correct when the reply is
``answered`` and cites one of its expected documents; an unanswerable one is correct when the
reply is ``no_answer`` or ``handoff``."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from customercare.answers import engine
from customercare.demo import ANSWER_EVAL_FILE, CONTENT_DIR

__all__ = ["ANSWER_EVAL_FILE", "CONTENT_DIR", "AnswerReport", "evaluate_answers", "load_cases"]
from customercare.errors import ValidationFailed
from customercare.knowledge import service as knowledge
from customercare.runtime import Runtime

Outcome = Literal[
    "correct_citation", "wrong_citation", "missed_answer", "correct_abstention", "wrong_answer"
]
Progress = Callable[[str, int, int], None]
CORRECT: frozenset[str] = frozenset({"correct_citation", "correct_abstention"})


@dataclass(frozen=True, slots=True)
class AnswerCase:
    id: str
    question: str
    answerable: bool
    expected_documents: tuple[str, ...]
    history: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: AnswerCase
    outcome: Outcome
    decision: str
    confidence: float | None
    # The evidence signals behind the confidence; None for a handoff, which retrieves nothing.
    evidence: dict[str, float] | None
    cited: tuple[str, ...]
    answer: str
    latency_ms: float


@dataclass(frozen=True, slots=True)
class AnswerReport:
    results: list[CaseResult] = field(repr=False)

    def _share(self, outcome: Outcome, *, answerable: bool | None) -> float:
        pool = [r for r in self.results if answerable is None or r.case.answerable == answerable]
        return sum(r.outcome == outcome for r in pool) / len(pool) if pool else 0.0

    @property
    def correct_citation(self) -> float:
        return self._share("correct_citation", answerable=True)

    @property
    def correct_abstention(self) -> float:
        return self._share("correct_abstention", answerable=False)

    @property
    def wrong_answer(self) -> float:
        wrong = [r for r in self.results if r.outcome in ("wrong_citation", "wrong_answer")]
        return len(wrong) / len(self.results) if self.results else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": len(self.results),
            "answerable": sum(r.case.answerable for r in self.results),
            "unanswerable": sum(not r.case.answerable for r in self.results),
            "correct_citation": round(self.correct_citation, 4),
            "correct_abstention": round(self.correct_abstention, 4),
            "wrong_answer": round(self.wrong_answer, 4),
        }


def load_cases(path: Path = ANSWER_EVAL_FILE) -> list[AnswerCase]:
    cases: list[AnswerCase] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            cases.append(
                AnswerCase(
                    id=str(raw["id"]),
                    question=str(raw["question"]),
                    answerable=bool(raw["answerable"]),
                    expected_documents=tuple(raw.get("expected_documents", ())),
                    history=tuple(raw.get("history", ())),
                )
            )
        except (ValueError, KeyError, TypeError) as error:
            raise ValidationFailed(f"{path}:{number}: not a valid case ({error})") from error
    return cases


def load_demo_content(
    runtime: Runtime, *, workspace_id: str, content_dir: Path = CONTENT_DIR
) -> None:
    """Ingest every file of ``content_dir`` and wait until all are indexed."""
    document_ids = [
        knowledge.ingest_bytes(
            runtime, workspace_id=workspace_id, data=path.read_bytes(), filename=path.name
        ).document.id
        for path in sorted(p for p in content_dir.iterdir() if p.is_file())
    ]
    knowledge.wait_until_settled(
        runtime.sessions, workspace_id=workspace_id, document_ids=document_ids, timeout_seconds=600
    )


def evaluate_answers(
    runtime: Runtime,
    cases: list[AnswerCase],
    *,
    workspace_id: str,
    progress: Progress | None = None,
) -> AnswerReport:
    with runtime.sessions() as session:
        filenames = knowledge.ready_filenames(session, workspace_id=workspace_id)
    results = []
    for done, case in enumerate(cases, start=1):
        results.append(_run_case(runtime, case, workspace_id=workspace_id, filenames=filenames))
        if progress:
            progress("questions", done, len(cases))
    return AnswerReport(results)


def _run_case(
    runtime: Runtime, case: AnswerCase, *, workspace_id: str, filenames: dict[str, str]
) -> CaseResult:
    conversation_id: str | None = None
    for earlier in case.history:
        events = _ask(runtime, workspace_id, earlier, conversation_id)
        conversation_id = events["done"]["conversation_id"]
    events = _ask(runtime, workspace_id, case.question, conversation_id)
    decision = events["decision"]["decision"]
    cited = tuple(
        filenames.get(c["document_id"], c["document_id"]) for c in events["citations"]["citations"]
    )
    return CaseResult(
        case=case,
        outcome=_outcome(case, decision, cited),
        decision=decision,
        confidence=events["decision"]["confidence"],
        evidence=events["decision"]["evidence"],
        cited=cited,
        answer=events["done"]["answer"],
        latency_ms=events["done"]["timings_ms"]["total"],
    )


def _ask(
    runtime: Runtime, workspace_id: str, message: str, conversation_id: str | None
) -> dict[str, dict[str, Any]]:
    turn = engine.start_turn(
        runtime,
        workspace_id=workspace_id,
        message=message,
        conversation_id=conversation_id,
        channel="cli",
    )
    return engine.reply(runtime, turn).collect()


def _outcome(case: AnswerCase, decision: str, cited: tuple[str, ...]) -> Outcome:
    answered = decision == "answered"
    if not case.answerable:
        return "wrong_answer" if answered else "correct_abstention"
    if not answered:
        return "missed_answer"
    return "correct_citation" if set(cited) & set(case.expected_documents) else "wrong_citation"
