"""Plan quotas of a workspace, checked before the work they limit is done:

- ``documents`` and ``storage_bytes`` when a document is added (``check_documents``);
- ``messages_per_month`` when a customer's message is stored (``check_messages``): the
  workspace's customer messages in the current calendar month, UTC.

Going over raises ``QuotaExceeded`` (429, ``quota_exceeded``) with ``quota``, ``limit``,
``used`` and ``resets_at`` (the first day of next month for messages; null for documents and
storage, which free up only when documents are deleted or the plan changes). The checks count
rows and then let the caller write, so two concurrent requests may both pass at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from customercare.conversations.models import Message
from customercare.errors import QuotaExceeded
from customercare.ids import utcnow
from customercare.knowledge.models import Document
from customercare.limits.plans import Plan, get_plan
from customercare.settings import Settings
from customercare.tenancy import service as tenancy
from customercare.tenancy.models import Workspace

__all__ = [
    "Usage",
    "check_documents",
    "check_messages",
    "month_bounds",
    "usage",
]

# Retry-After for quotas that do not reset by themselves (documents, storage): a back-off hint.


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


def _plan_of(session: Session, settings: Settings, workspace_id: str) -> Plan | None:
    plan_name = session.scalar(select(Workspace.plan).where(Workspace.id == workspace_id))
    if plan_name is None:  # no such workspace: the caller's own lookup says so
        return None
    return get_plan(settings, plan_name)


def _document_usage(session: Session, workspace_id: str) -> tuple[int, int]:
    count, size = session.execute(
        select(func.count(Document.id), func.coalesce(func.sum(Document.size_bytes), 0)).where(
            Document.workspace_id == workspace_id
        )
    ).one()
    return int(count), int(size)


def _message_usage(session: Session, workspace_id: str, start: datetime, end: datetime) -> int:
    count = session.scalar(
        select(func.count(Message.id)).where(
            Message.workspace_id == workspace_id,
            Message.role == "user",
            Message.created_at >= start,
            Message.created_at < end,
        )
    )
    return int(count or 0)


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


def check_documents(
    session: Session,
    *,
    settings: Settings,
    workspace_id: str,
    adding_bytes: int,
    content_hash: str | None = None,
) -> None:
    """Refuse a new document over the ``documents`` or ``storage_bytes`` quota. Content the
    workspace already has (same ``content_hash``) adds no document and is never refused."""
    if not settings.quotas_enabled:
        return
    plan = _plan_of(session, settings, workspace_id)
    if plan is None or (plan.documents is None and plan.storage_bytes is None):
        return
    if content_hash is not None:
        known = session.scalar(
            select(Document.id).where(
                Document.workspace_id == workspace_id, Document.content_hash == content_hash
            )
        )
        if known is not None:
            return
    count, size = _document_usage(session, workspace_id)
    if plan.documents is not None and count + 1 > plan.documents:
        raise _exceeded(
            "documents",
            plan=plan,
            limit=plan.documents,
            used=count,
            resets_at=None,
            what=f"{count} of {plan.documents} documents",
        )
    if plan.storage_bytes is not None and size + adding_bytes > plan.storage_bytes:
        raise _exceeded(
            "storage_bytes",
            plan=plan,
            limit=plan.storage_bytes,
            used=size,
            resets_at=None,
            what=f"{size} of {plan.storage_bytes} bytes stored, this file adds {adding_bytes}",
        )


def check_messages(
    session: Session, *, settings: Settings, workspace_id: str, now: datetime | None = None
) -> None:
    """Refuse a customer message over the ``messages_per_month`` quota."""
    if not settings.quotas_enabled:
        return
    plan = _plan_of(session, settings, workspace_id)
    if plan is None or plan.messages_per_month is None:
        return
    start, resets_at = month_bounds(now or utcnow())
    used = _message_usage(session, workspace_id, start, resets_at)
    if used + 1 > plan.messages_per_month:
        raise _exceeded(
            "messages_per_month",
            plan=plan,
            limit=plan.messages_per_month,
            used=used,
            resets_at=resets_at,
            what=f"{used} of {plan.messages_per_month} customer messages this month",
        )


def usage(
    session: Session, *, settings: Settings, workspace_id: str, now: datetime | None = None
) -> Usage:
    """The workspace's plan, its limits (None: unlimited) and what is used now."""
    workspace = tenancy.get_workspace_or_raise(session, workspace_id=workspace_id)
    plan = get_plan(settings, workspace.plan)
    start, resets_at = month_bounds(now or utcnow())
    count, size = _document_usage(session, workspace_id)
    return Usage(
        plan=plan.name,
        enforced=settings.quotas_enabled,
        limits=plan.limits(),
        used={
            "documents": count,
            "storage_bytes": size,
            "messages_per_month": _message_usage(session, workspace_id, start, resets_at),
        },
        period_start=start,
        resets_at=resets_at,
    )
