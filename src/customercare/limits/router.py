"""``GET /api/v1/workspace/usage``: the workspace's plan, its quotas and what is used."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from customercare.deps import SessionDep, SettingsDep, WorkspaceRead
from customercare.limits import quotas

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
    current = quotas.usage(session, settings=settings, workspace_id=workspace.workspace_id)
    return WorkspaceUsage(
        plan=current.plan,
        quotas_enforced=current.enforced,
        limits=QuotaLimits.model_validate(current.limits),
        usage=QuotaUsage.model_validate(current.used),
        period_start=current.period_start,
        resets_at=current.resets_at,
    )
