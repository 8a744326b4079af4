"""``GET /api/v1/workspace/usage``: the workspace's plan, its quotas and what is used."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from customercare.conversations import service as conversations
from customercare.deps import SessionDep, SettingsDep, WorkspaceRead
from customercare.ids import utcnow
from customercare.knowledge import service as knowledge
from customercare.limits import service
from customercare.tenancy import service as tenancy

router = APIRouter(prefix="/api/v1/workspace", tags=["workspace"])


class QuotaUsage(BaseModel):
    documents: int
    storage_bytes: int
    messages_per_month: int


class QuotaLimits(BaseModel):
    # null: unlimited
    documents: int | None
    storage_bytes: int | None
    messages_per_month: int | None


class WorkspaceUsage(BaseModel):
    plan: str
    quotas_enforced: bool
    limits: QuotaLimits
    usage: QuotaUsage
    # The calendar month (UTC) that messages_per_month counts.
    period_start: datetime
    resets_at: datetime


@router.get("/usage")
def get_usage(
    session: SessionDep, settings: SettingsDep, workspace: WorkspaceRead
) -> WorkspaceUsage:
    workspace_id, now = workspace.workspace_id, utcnow()
    start, resets_at = service.month_bounds(now)
    current = service.usage(
        settings,
        plan_name=tenancy.get_workspace_or_raise(session, workspace_id=workspace_id).plan,
        documents=knowledge.document_usage(session, workspace_id=workspace_id),
        messages_this_month=conversations.count_customer_messages(
            session, workspace_id=workspace_id, since=start, until=resets_at
        ),
        now=now,
    )
    return WorkspaceUsage(
        plan=current.plan,
        quotas_enforced=current.enforced,
        limits=QuotaLimits.model_validate(current.limits),
        usage=QuotaUsage.model_validate(current.used),
        period_start=current.period_start,
        resets_at=current.resets_at,
    )
