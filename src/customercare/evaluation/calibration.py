"""Fit the evidence model (answers/evidence.py) to an answer set: a logistic regression of
"this question is answerable" on the evidence signals, by plain gradient descent."""

from __future__ import annotations

import numpy as np

from customercare.answers.evidence import EvidenceModel
from customercare.evaluation.answers import CaseResult

STEPS = 20_000
LEARNING_RATE = 0.5
L2 = 1e-3


def fit_evidence_model(results: list[CaseResult]) -> EvidenceModel:
    rows = [r for r in results if r.evidence is not None]
    if len({r.case.answerable for r in rows}) < 2:
        raise ValueError("calibration needs both answerable and unanswerable questions")
    features = np.array(
        [[1.0, r.evidence["dense"], r.evidence["coverage"]] for r in rows if r.evidence]
    )
    labels = np.array([1.0 if r.case.answerable else 0.0 for r in rows])
    weights = np.zeros(3)
    for _ in range(STEPS):
        predictions = 1.0 / (1.0 + np.exp(-features @ weights))
        gradient = features.T @ (predictions - labels) / len(labels) + L2 * weights
        weights -= LEARNING_RATE * gradient
    bias, dense, coverage = (round(float(w), 3) for w in weights)
    return EvidenceModel(bias=bias, dense_weight=dense, coverage_weight=coverage)
