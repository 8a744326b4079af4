"""``ccgpt eval answers`` machinery: cases are asked through the real engine and scored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from customercare.db.engine import transaction
from customercare.errors import ValidationFailed
from customercare.evaluation.answers import evaluate_answers, load_cases, load_demo_content
from customercare.runtime import Runtime
from customercare.tenancy import service as tenancy

RETURNS = """# Returns

## Return window

Phones can be returned within 30 days of delivery if they are in like-new condition.
"""
ROAMING = """# Roaming

## Roaming in Canada and Mexico

Calls, texts and data in Canada and Mexico are included in every plan at no extra cost.
"""


def write_cases(path: Path, cases: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(case) for case in cases) + "\n", encoding="utf-8")
    return path


def test_cases_are_scored_by_decision_and_citation(runtime: Runtime, tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "returns.md").write_text(RETURNS, encoding="utf-8")
    (content / "roaming.md").write_text(ROAMING, encoding="utf-8")
    cases = load_cases(
        write_cases(
            tmp_path / "cases.jsonl",
            [
                {
                    "id": "ret",
                    "question": "How many days do I have to return my phone?",
                    "answerable": True,
                    "expected_documents": ["returns.md"],
                },
                {
                    "id": "wrong-doc",
                    "question": "Is roaming in Mexico included in my plan?",
                    "answerable": True,
                    "expected_documents": ["returns.md"],
                },
                {
                    "id": "human",
                    "question": "Can I talk to a human agent?",
                    "answerable": False,
                    "expected_documents": [],
                },
            ],
        )
    )
    with transaction(runtime.sessions) as session:
        workspace = tenancy.create_workspace(session, name="answer eval test")
        # Always answer when there is a passage: this test is about scoring, not the threshold.
        workspace.answer_threshold = 0.0
    load_demo_content(runtime, workspace_id=workspace.id, content_dir=content)
    report = evaluate_answers(runtime, cases, workspace_id=workspace.id)
    outcomes = {r.case.id: r.outcome for r in report.results}
    assert outcomes == {
        "ret": "correct_citation",
        "wrong-doc": "wrong_citation",
        "human": "correct_abstention",
    }
    assert report.correct_citation == pytest.approx(0.5)
    assert report.correct_abstention == 1.0
    assert report.wrong_answer == pytest.approx(1 / 3)
    assert report.as_dict()["cases"] == 3


def test_a_broken_case_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text('{"id": "a", "question": "q", "answerable": true}\n{"id": "b"}\n')
    with pytest.raises(ValidationFailed, match=r"cases\.jsonl:2"):
        load_cases(path)


def test_the_shipped_answer_set_has_what_the_issue_asks_for() -> None:
    cases = load_cases()
    answerable = [c for c in cases if c.answerable]
    assert len(answerable) >= 40
    assert len([c for c in cases if not c.answerable]) >= 15
    assert all(c.expected_documents for c in answerable)
    assert any(c.history for c in answerable)
