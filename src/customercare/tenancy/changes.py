"""Helpers every tenancy use case shares: one audit entry per change, and token digests."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.orm import Session

from customercare.audit import service as audit
from customercare.audit.service import Actor


def record_change(
    session: Session,
    actor: Actor | None,
    ip: str | None,
    action: str,
    target_type: str,
    target_id: str,
    *,
    workspace_id: str | None = None,
    **details: Any,
) -> None:
    """One audit entry for a change made by an actor (a principal) or through a named channel
    (``via``, e.g. the CLI, which names the workspace only). Internal set-up (tests, the
    demo loader) passes neither and is not audited."""
    if actor is None and "via" not in details:
        return
    if actor is not None:
        audit.record_by(
            session,
            actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
            ip=ip,
            details=details,
        )
        return
    audit.record(
        session,
        action=action,
        workspace_id=workspace_id,
        target_type=target_type,
        target_id=target_id,
        ip=ip,
        details=details,
    )


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
