"""What every gate check shares: showing numbers honestly and the two non-pass outcomes."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Literal

from customercare.delivery.gates.verdict import GateResult, Verdict


def shown(value: float, *, fails: Literal["below", "above"]) -> str:
    """Two decimals at most, rounded TOWARDS failing, so that a failing 79.999 reads 79.99
    (not 80) and a failing 2000.001 ms reads 2000.01 -- the table never looks like a pass."""
    rounding = ROUND_FLOOR if fails == "below" else ROUND_CEILING
    text = f"{Decimal(repr(value)).quantize(Decimal('0.01'), rounding=rounding):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def limit(value: float) -> str:
    """A threshold as written in the file: 80.0 -> '80', 99.9 -> '99.9'."""
    return f"{value:g}"


def unreadable(name: str, threshold: str, problems: list[str]) -> GateResult:
    # A report that exists but cannot be read is a FAIL: the tool ran and something is wrong.
    return GateResult(
        name, threshold, "-", Verdict.FAIL, "unreadable report: " + "; ".join(problems)
    )
