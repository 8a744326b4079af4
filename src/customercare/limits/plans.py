"""Workspace plans are configuration: a TOML file (``plans_file``, else the shipped
``plans.toml``) with one ``[plans.<name>]`` table per plan, its quotas and its features
(``white_label``). A quota left out is unlimited; a feature left out is not included. The
file is read again when it changes, so an operator can edit it in place."""

from __future__ import annotations

import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path

import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from customercare.errors import AppError
from customercare.settings import Settings

__all__ = [
    "DEFAULT_PLANS_FILE",
    "INGESTION_LIMITS",
    "QUOTAS",
    "Plan",
    "PlansFileError",
    "UnknownPlan",
    "get_plan",
    "load_plans",
    "plans_path",
]

log = structlog.get_logger(__name__)
DEFAULT_PLANS_FILE = Path(__file__).with_name("plans.toml")
QUOTAS = ("documents", "storage_bytes", "messages_per_month")
# Per-document ingestion limits: the lower of the plan's and the server's setting applies.
INGESTION_LIMITS = ("passages_per_document", "csv_rows", "extracted_chars")


class UnknownPlan(AppError):
    """A workspace names a plan the plans file does not define: a configuration error."""

    code = "unknown_plan"
    status_code = 500


class PlansFileError(AppError):
    code = "invalid_plans_file"
    status_code = 500


class _PlanQuotas(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documents: int | None = Field(default=None, ge=0)
    storage_bytes: int | None = Field(default=None, ge=0)
    messages_per_month: int | None = Field(default=None, ge=0)
    passages_per_document: int | None = Field(default=None, ge=1)
    csv_rows: int | None = Field(default=None, ge=1)
    extracted_chars: int | None = Field(default=None, ge=1)
    # Features: what the plan includes beyond its quotas.
    white_label: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    name: str
    # None: unlimited.
    documents: int | None = None
    storage_bytes: int | None = None
    messages_per_month: int | None = None
    # None: only the server's setting (max_passages_per_document, max_csv_rows,
    # max_extracted_chars) applies.
    passages_per_document: int | None = None
    csv_rows: int | None = None
    extracted_chars: int | None = None
    # The widget may hide "Powered by CustomerCareGPT" (widget settings, show_branding).
    white_label: bool = False

    def limit(self, quota: str) -> int | None:
        value: int | None = getattr(self, quota)
        return value

    def limits(self) -> dict[str, int | None]:
        return {quota: self.limit(quota) for quota in QUOTAS}


def plans_path(settings: Settings) -> Path:
    return settings.plans_file or DEFAULT_PLANS_FILE


_cache_lock = threading.Lock()
_cache: dict[Path, tuple[int, dict[str, Plan]]] = {}


def load_plans(path: Path) -> dict[str, Plan]:
    """Every plan in the file, by name; cached until the file's modification time changes."""
    resolved = path.resolve()
    try:
        mtime = resolved.stat().st_mtime_ns
    except OSError as error:
        log.error("plans.unreadable", path=str(resolved), error=str(error))
        raise PlansFileError(f"the plans file cannot be read: {error.strerror}") from error
    with _cache_lock:
        cached = _cache.get(resolved)
        if cached is not None and cached[0] == mtime:
            return cached[1]
    plans = _parse(resolved)
    with _cache_lock:
        _cache[resolved] = (mtime, plans)
    return plans


def _parse(path: Path) -> dict[str, Plan]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        log.error("plans.invalid_toml", path=str(path), error=str(error))
        raise PlansFileError(f"the plans file is not valid TOML: {error}") from error
    tables = raw.get("plans")
    if not isinstance(tables, dict) or not tables:
        log.error("plans.no_plans", path=str(path))
        raise PlansFileError("the plans file defines no [plans.<name>] tables")
    plans: dict[str, Plan] = {}
    for name, table in tables.items():
        try:
            quotas = _PlanQuotas.model_validate(table)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in item['loc']) or 'plan'}: {item['msg']}"
                for item in error.errors(include_url=False)
            )
            log.error("plans.invalid_plan", path=str(path), plan=name, problems=problems)
            raise PlansFileError(
                f"plan {name!r} in the plans file is not valid: {problems}",
                details={"plan": name},
            ) from error
        plans[name] = Plan(name=name, **quotas.model_dump())
    return plans


def get_plan(settings: Settings, name: str) -> Plan:
    path = plans_path(settings)
    plans = load_plans(path)
    plan = plans.get(name)
    if plan is None:
        raise UnknownPlan(
            f"the workspace's plan {name!r} is not defined in the plans file "
            f"(defined: {', '.join(sorted(plans))})",
            details={"plan": name, "plans": sorted(plans)},
        )
    return plan
