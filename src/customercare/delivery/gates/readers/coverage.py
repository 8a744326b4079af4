"""Cobertura ``coverage.xml`` (coverage.py's ``coverage xml``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import defusedxml.ElementTree as SafeET  # the stdlib parser is flagged by bandit (B314)

from customercare.delivery.gates.readers.common import ReportError


@dataclass(frozen=True)
class CoverageReport:
    line_percent: float
    branch_percent: float | None  # None when branch coverage was not measured


def _rate(text: str | None, name: str) -> float | None:
    if text is None:
        return None
    try:
        rate = float(text)
    except ValueError:
        raise ReportError(f"coverage.xml: {name}={text!r} is not a number") from None
    if not 0 <= rate <= 1:
        raise ReportError(f"coverage.xml: {name}={text!r} is outside 0..1")
    # Rounded: 0.799 * 100 must read as 79.9, not 79.89999999999999.
    return round(rate * 100, 6)


def read_coverage(path: Path) -> CoverageReport:
    """The gate uses ``line-rate`` x 100 (the share of lines run), not coverage.py's combined
    line+branch total; ``branch-rate`` is shown alongside for information."""
    try:
        root = SafeET.parse(path).getroot()
    except OSError as error:
        raise ReportError(f"cannot read {path.name}: {error.strerror}") from error
    except Exception as error:  # defusedxml raises ParseError and its own DefusedXmlException
        raise ReportError(f"{path.name} is not valid XML: {error}") from error
    if root.tag != "coverage":
        raise ReportError(f"{path.name}: root element is <{root.tag}>, expected <coverage>")
    line = _rate(root.get("line-rate"), "line-rate")
    if line is None:
        raise ReportError(f"{path.name}: <coverage> has no line-rate")
    branch = _rate(root.get("branch-rate"), "branch-rate")
    # coverage.py writes branch-rate="0" when branches were not measured (branches-valid=0).
    if root.get("branches-valid") == "0":
        branch = None
    return CoverageReport(line_percent=line, branch_percent=branch)
