"""Plan quotas of a workspace, checked before the work they limit is done:

- ``documents`` and ``storage_bytes`` when a document is added (``check_documents``);
- ``messages_per_month`` when a customer's message is stored (``check_messages``): the
  workspace's customer messages in the current calendar month, UTC.

Quotas are policy only: the domain that owns the rows counts them (knowledge its documents,
conversations its messages) and passes the counts in, so limits imports no other domain.

Going over raises ``QuotaExceeded`` (429, ``quota_exceeded``) with ``quota``, ``limit``,
``used`` and ``resets_at`` (the first day of next month for messages; null for documents and
storage, which free up only when documents are deleted or the plan changes). Callers count and
write while holding the workspace's lock (``tenancy.lock_workspace``), so a burst never
passes the limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from customercare.errors import QuotaExceeded
from customercare.ids import utcnow
from customercare.limits.plans import Plan, get_plan
from customercare.observability import metrics
from customercare.settings import Settings

__all__ = [
    "DocumentUsage",
    "Plan",
    "Usage",
    "check_documents",
    "check_messages",
    "enforced_plan",
    "has_feature",
    "month_bounds",
    "usage",
]


@dataclass(frozen=True, slots=True)
class DocumentUsage:
    count: int
    size_bytes: int


@dataclass(frozen=True, slots=True)
class Usage:
    plan: str
    enforced: bool
    limits: dict[str, int | None]
    used: dict[str, int]
    period_start: datetime
    resets_at: datetime


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The first instant of ``now``'s calendar month (UTC) and of the next one."""
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following


def enforced_plan(settings: Settings, plan_name: str | None) -> Plan | None:
    """The plan whose quotas apply, or None when quotas are off (or there is no workspace:
    the caller's own lookup says so)."""
    if not settings.quotas_enabled or plan_name is None:
        return None
    return get_plan(settings, plan_name)


def has_feature(settings: Settings, plan_name: str, feature: str) -> bool:
    """Whether the plan includes ``feature`` (``white_label``). Features are what the plan
    sells, so they apply whether or not quotas are enforced."""
    return bool(getattr(get_plan(settings, plan_name), feature, False))


def _exceeded(
    quota: str, *, plan: Plan, limit: int, used: int, resets_at: datetime | None, what: str
) -> QuotaExceeded:
    if resets_at is None:
        message = (
            f"the {plan.name} plan's {quota} quota is used up: {what}; "
            "delete documents or change the plan"
        )
        retry_after: int | None = None
    else:
        message = (
            f"the {plan.name} plan's {quota} quota is used up: {what}; "
            f"it resets at {resets_at.isoformat()}"
        )
        retry_after = max(1, int((resets_at - utcnow()).total_seconds()))
    metrics.refusals.labels(kind="quota").inc()
    return QuotaExceeded(
        message,
        retry_after=retry_after,
        details={
            "quota": quota,
            "limit": limit,
            "used": used,
            "resets_at": resets_at.isoformat() if resets_at else None,
            "plan": plan.name,
        },
    )


def check_documents(plan: Plan, *, usage: DocumentUsage, adding_bytes: int) -> None:
    """Refuse a new document over the ``documents`` or ``storage_bytes`` quota. The caller
    passes content the workspace already has without asking: it adds no document."""
    if plan.documents is not None and usage.count + 1 > plan.documents:
        raise _exceeded(
            "documents",
            plan=plan,
            limit=plan.documents,
            used=usage.count,
            resets_at=None,
            what=f"{usage.count} of {plan.documents} documents",
        )
    if plan.storage_bytes is not None and usage.size_bytes + adding_bytes > plan.storage_bytes:
        raise _exceeded(
            "storage_bytes",
            plan=plan,
            limit=plan.storage_bytes,
            used=usage.size_bytes,
            resets_at=None,
            what=(
                f"{usage.size_bytes} of {plan.storage_bytes} bytes stored, "
                f"this file adds {adding_bytes}"
            ),
        )


def check_messages(plan: Plan, *, used: int, resets_at: datetime) -> None:
    """Refuse a customer message over the ``messages_per_month`` quota; ``used`` counts the
    month that ends at ``resets_at`` (``month_bounds``)."""
    if plan.messages_per_month is not None and used + 1 > plan.messages_per_month:
        raise _exceeded(
            "messages_per_month",
            plan=plan,
            limit=plan.messages_per_month,
            used=used,
            resets_at=resets_at,
            what=f"{used} of {plan.messages_per_month} customer messages this month",
        )


def usage(
    settings: Settings,
    *,
    plan_name: str,
    documents: DocumentUsage,
    messages_this_month: int,
    now: datetime,
) -> Usage:
    """The workspace's plan, its limits (None: unlimited) and what is used now."""
    plan = get_plan(settings, plan_name)
    start, resets_at = month_bounds(now)
    return Usage(
        plan=plan.name,
        enforced=settings.quotas_enabled,
        limits=plan.limits(),
        used={
            "documents": documents.count,
            "storage_bytes": documents.size_bytes,
            "messages_per_month": messages_this_month,
        },
        period_start=start,
        resets_at=resets_at,
    )
