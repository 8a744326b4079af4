"""Security findings from every scanner, on one severity scale, and the SonarQube-like score."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from customercare.delivery.gates.thresholds import ScoreLetter


class Severity(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


# Each tool's own words for a severity. Semgrep's INFO/WARNING/ERROR are rule levels;
# bandit's UNDEFINED is the lowest level it has, so it is still a (low) finding.
_WORDS = {
    "INFO": Severity.LOW,
    "LOW": Severity.LOW,
    "UNDEFINED": Severity.LOW,
    "WARNING": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "MODERATE": Severity.MEDIUM,
    "ERROR": Severity.HIGH,
    "HIGH": Severity.HIGH,
    "CRITICAL": Severity.CRITICAL,
}
_LETTERS: tuple[ScoreLetter, ...] = ("A", "B", "C", "D", "E")


def parse_severity(value: object) -> Severity | None:
    """A severity word, or a CVSS-like number (as semgrep's ``security-severity`` can be)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        word = value.strip().upper()
        if word in _WORDS:
            return _WORDS[word]
        try:
            value = float(word)
        except ValueError:
            return None
    if isinstance(value, int | float):
        # CVSS v3 bands: 0.1-3.9 low, 4-6.9 medium, 7-8.9 high, 9+ critical.
        if value >= 9:
            return Severity.CRITICAL
        if value >= 7:
            return Severity.HIGH
        if value >= 4:
            return Severity.MEDIUM
        return Severity.LOW if value > 0 else None
    return None


@dataclass(frozen=True)
class Finding:
    tool: str
    severity: Severity
    title: str


def security_score(findings: Iterable[Finding]) -> ScoreLetter:
    """A when nothing is open, else B..E by the worst severity (low..critical)."""
    worst = max((finding.severity for finding in findings), default=None)
    return "A" if worst is None else _LETTERS[int(worst)]


def score_passes(score: ScoreLetter, threshold: ScoreLetter) -> bool:
    # Letters sort best-first, so "at least as good as the threshold" is plain ordering.
    return score <= threshold


def summarize(findings: Iterable[Finding]) -> str:
    """'2 high, 1 low' -- worst first; '' when there is nothing."""
    counts = Counter(finding.severity for finding in findings)
    return ", ".join(
        f"{counts[level]} {level.name.lower()}" for level in sorted(counts, reverse=True)
    )
