"""What a gate decides: a verdict and the numbers behind it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class Verdict(StrEnum):
    PASS = "PASS"  # noqa: S105  # nosec B105  # a verdict name, not a password
    FAIL = "FAIL"
    # Not a pass: the report was missing or incomplete, so nothing was decided.
    NOT_EVALUATED = "NOT_EVALUATED"


@dataclass(frozen=True)
class GateResult:
    name: str
    threshold: str
    measured: str
    verdict: Verdict
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return {**asdict(self), "verdict": self.verdict.value}


def not_evaluated(name: str, threshold: str, detail: str) -> GateResult:
    return GateResult(name, threshold, "-", Verdict.NOT_EVALUATED, detail)
