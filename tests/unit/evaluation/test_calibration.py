"""Calibration fits a model that separates the two classes of an answer set."""

from __future__ import annotations

import pytest

from customercare.evaluation.answers import AnswerCase, CaseResult
from customercare.evaluation.calibration import fit_evidence_model


def case_result(answerable: bool, dense: float, gap: float) -> CaseResult:
    case = AnswerCase(id="c", question="q", answerable=answerable, expected_documents=())
    return CaseResult(
        case=case,
        outcome="correct_citation" if answerable else "correct_abstention",
        decision="answered" if answerable else "no_answer",
        confidence=None,
        evidence={"dense": dense, "gap": gap},
        cited=(),
        answer="",
        latency_ms=1.0,
    )


def test_the_fitted_model_ranks_answerable_above_unanswerable() -> None:
    answerable = [case_result(True, 0.55 + i * 0.01, 0.18 + i * 0.005) for i in range(20)]
    unanswerable = [case_result(False, 0.30 + i * 0.01, 0.06 + i * 0.004) for i in range(6)]
    model = fit_evidence_model(answerable + unanswerable)
    assert model.dense_weight > 0
    assert model.gap_weight > 0
    # Balanced classes: 0.5 sits between the groups even though one is three times larger.
    assert all(model.probability(**r.evidence) > 0.5 for r in answerable if r.evidence)
    assert all(model.probability(**r.evidence) < 0.5 for r in unanswerable if r.evidence)


def test_calibration_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="both"):
        fit_evidence_model([case_result(True, 0.6, 0.2)])
