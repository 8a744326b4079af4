"""``/api/v1/workspace``: the caller's workspace and its settings."""

from __future__ import annotations

from fastapi import APIRouter

from customercare.deps import SessionDep, WorkspaceRead, WorkspaceWrite
from customercare.tenancy import service
from customercare.tenancy.schemas import WorkspacePublic, WorkspaceUpdate

router = APIRouter(prefix="/api/v1/workspace", tags=["workspace"])


@router.get("")
def get_workspace(session: SessionDep, workspace: WorkspaceRead) -> WorkspacePublic:
    current = service.get_workspace_or_raise(session, workspace_id=workspace.workspace_id)
    return WorkspacePublic.model_validate(current)


@router.patch("")
def update_workspace(
    body: WorkspaceUpdate, session: SessionDep, workspace: WorkspaceWrite
) -> WorkspacePublic:
    """Fields left out stay as they are; ``"answer_threshold": null`` restores the default."""
    updated = service.update_workspace(
        session, workspace_id=workspace.workspace_id, changes=body.model_dump(exclude_unset=True)
    )
    return WorkspacePublic.model_validate(updated)
