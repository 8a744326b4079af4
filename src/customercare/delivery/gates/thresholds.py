"""The thresholds file (``quality-gates.toml``): loaded once, validated into a typed object."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

GateName = Literal[
    "coverage",
    "security",
    "performance_p95",
    "performance_p99",
    "error_rate",
    "throughput",
    "availability",
]
GATE_NAMES: tuple[GateName, ...] = get_args(GateName)
ScoreLetter = Literal["A", "B", "C", "D", "E"]


class ThresholdsError(Exception):
    """The thresholds file is missing or invalid, or a stage is unknown (a usage error)."""


class Stage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    required: tuple[GateName, ...] = ()


class ReportPaths(BaseModel):
    """Where each tool writes its report; relative paths are under the reports directory."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    coverage: Path = Path("coverage.xml")
    bandit: Path = Path("bandit.json")
    semgrep: Path = Path("semgrep.json")
    audit: Path = Path("pip-audit.json")
    secrets: Path = Path("detect-secrets.json")
    licenses: Path = Path("licenses.json")
    k6: Path = Path("k6-summary.json")
    locust: Path = Path("locust_stats.csv")
    artillery: Path = Path("artillery.json")
    status: Path = Path("status-history.json")

    def under(self, reports_dir: Path) -> ReportPaths:
        # Joining keeps an absolute path as it is, so a report can live anywhere.
        return ReportPaths(**{name: reports_dir / path for name, path in self})


class Thresholds(BaseModel):
    # extra="forbid": a misspelt key must be an error, not a silently ignored threshold.
    model_config = ConfigDict(extra="forbid", frozen=True)

    coverage_min_percent: float = Field(ge=0, le=100)
    security_min_score: ScoreLetter
    p95_max_ms: float = Field(gt=0)
    p99_max_ms: float = Field(gt=0)
    error_rate_max_percent: float = Field(ge=0, le=100)
    throughput_min_rps: float = Field(ge=0)
    availability_min_percent: float = Field(ge=0, le=100)
    stages: dict[str, Stage] = Field(min_length=1)
    reports: ReportPaths = ReportPaths()

    def required_for(self, stage: str) -> tuple[GateName, ...]:
        try:
            return self.stages[stage].required
        except KeyError:
            known = ", ".join(sorted(self.stages))
            raise ThresholdsError(f"unknown stage {stage!r} (known: {known})") from None


def load_thresholds(path: Path) -> Thresholds:
    """Read and validate ``path``; any problem becomes one readable ThresholdsError."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ThresholdsError(f"cannot read thresholds file {path}: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise ThresholdsError(f"{path} is not valid TOML: {error}") from error
    try:
        return Thresholds.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or '(file)'}: {item['msg']}"
            for item in error.errors()
        )
        raise ThresholdsError(f"invalid thresholds file {path}: {problems}") from error
