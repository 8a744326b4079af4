"""Fit the evidence model (answers/evidence.py) to an answer set: a logistic regression of
"this question is answerable" on the evidence signals, by plain gradient descent."""

from __future__ import annotations

import numpy as np

from customercare.answers.evidence import EvidenceModel
from customercare.evaluation.answers import CaseResult

STEPS = 5_000
LEARNING_RATE = 0.5
L2 = 1e-3


def fit_evidence_model(results: list[CaseResult]) -> EvidenceModel:
    rows = [r for r in results if r.evidence is not None]
    if len({r.case.answerable for r in rows}) < 2:
        raise ValueError("calibration needs both answerable and unanswerable questions")
    raw = np.array([[r.evidence["dense"], r.evidence["gap"]] for r in rows if r.evidence])
    labels = np.array([1.0 if r.case.answerable else 0.0 for r in rows])
    # Fit on standardised signals (fast, stable descent), then express the model in raw units.
    mean, scale = raw.mean(axis=0), raw.std(axis=0) + 1e-9
    features = np.hstack([np.ones((len(raw), 1)), (raw - mean) / scale])
    # Each class weighs the same in total, so 0.5 means "as likely answerable as not" whatever
    # the mix of the answer set.
    positives = labels.sum()
    balance = np.where(
        labels == 1.0, len(labels) / (2 * positives), len(labels) / (2 * (len(labels) - positives))
    )
    weights = np.zeros(3)
    for _ in range(STEPS):
        predictions = 1.0 / (1.0 + np.exp(-features @ weights))
        gradient = features.T @ (balance * (predictions - labels)) / len(labels) + L2 * weights
        weights -= LEARNING_RATE * gradient
    slopes = weights[1:] / scale
    bias = weights[0] - float(slopes @ mean)
    return EvidenceModel(
        bias=round(float(bias), 3),
        dense_weight=round(float(slopes[0]), 3),
        gap_weight=round(float(slopes[1]), 3),
    )
