"""Quality gates: thresholds from ``quality-gates.toml``, measurements from the tools' own
reports, and one decision per gate (PASS, FAIL or NOT_EVALUATED)."""

from customercare.delivery.gates.evaluate import blocking, evaluate, overall_passed
from customercare.delivery.gates.thresholds import (
    GATE_NAMES,
    Thresholds,
    ThresholdsError,
    load_thresholds,
)
from customercare.delivery.gates.verdict import GateResult, Verdict

__all__ = [
    "GATE_NAMES",
    "GateResult",
    "Thresholds",
    "ThresholdsError",
    "Verdict",
    "blocking",
    "evaluate",
    "load_thresholds",
    "overall_passed",
]
