"""What the workspace API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# Surrounding blanks are trimmed, so a name of only spaces counts as empty and is refused.
WorkspaceName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]


class WorkspacePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    # None: the installation's default (CCGPT_ANSWER_THRESHOLD) applies.
    answer_threshold: float | None
    created_at: datetime


class WorkspaceUpdate(BaseModel):
    name: WorkspaceName | None = None
    answer_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
