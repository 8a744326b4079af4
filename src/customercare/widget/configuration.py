"""Widget settings per workspace: read (defaults when the workspace never saved any), replace
(audited; white label needs a plan that includes it) and the identity secret's rotation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from customercare.audit.service import Actor
from customercare.errors import ConflictError, PermissionDenied, ValidationFailed
from customercare.ids import utcnow
from customercare.limits import service as limits
from customercare.settings import Settings
from customercare.tenancy import service as tenancy
from customercare.widget.models import WidgetSettings

__all__ = [
    "DEFAULTS",
    "IssuedIdentitySecret",
    "get_settings",
    "rotate_identity_secret",
    "update_settings",
]

DEFAULTS: dict[str, Any] = {
    "title": "Help",
    "greeting": "Hi! Ask me anything about our products.",
    "suggested_questions": [],
    "logo_url": None,
    "primary_color": "#2563eb",
    "text_color": "#ffffff",
    "position": "bottom-right",
    "launcher_text": "Chat with us",
    "show_branding": True,
    "verified_visitors": False,
}
PUBLIC_FIELDS = tuple(DEFAULTS)


def get_settings(session: Session, *, workspace_id: str) -> WidgetSettings:
    """The workspace's settings; an unsaved row of defaults when it has none (not added)."""
    row = session.get(WidgetSettings, workspace_id)
    if row is None:
        tenancy.get_workspace_or_raise(session, workspace_id=workspace_id)
        row = WidgetSettings(workspace_id=workspace_id, **DEFAULTS)
        row.suggested_questions = []
    return row


def _stored(session: Session, workspace_id: str) -> WidgetSettings:
    row = session.get(WidgetSettings, workspace_id)
    if row is None:
        tenancy.get_workspace_or_raise(session, workspace_id=workspace_id)
        row = WidgetSettings(workspace_id=workspace_id, **DEFAULTS)
        row.suggested_questions = []
        session.add(row)
    return row


def update_settings(
    session: Session,
    settings: Settings,
    *,
    workspace_id: str,
    values: dict[str, Any],
    actor: Actor,
    ip: str | None,
) -> WidgetSettings:
    """Replace the settings with ``values`` (validated by the schema). Hiding the branding needs
    a plan with ``white_label``; verified visitors need an identity secret first."""
    unknown = set(values) - set(PUBLIC_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown widget settings: {', '.join(sorted(unknown))}")
    row = _stored(session, workspace_id)
    if values.get("show_branding") is False:
        plan = tenancy.plan_of(session, workspace_id=workspace_id) or "free"
        if not limits.has_feature(settings, plan, "white_label"):
            raise PermissionDenied(
                f"the {plan} plan does not include white label: show_branding must stay true",
                details={"feature": "white_label", "plan": plan},
            )
    if values.get("verified_visitors") and not row.identity_secret:
        raise ConflictError(
            "verified visitors need an identity secret: rotate one first "
            "(POST /api/v1/widget/identity-secret)",
            details={"field": "verified_visitors"},
        )
    changed = sorted(field for field, value in values.items() if getattr(row, field) != value)
    for field, value in values.items():
        setattr(row, field, list(value) if isinstance(value, list) else value)
    row.updated_at = utcnow()
    session.flush()
    tenancy.record_audit(
        session,
        actor,
        action="widget.settings_updated",
        target_type="workspace",
        target_id=workspace_id,
        ip=ip,
        details={"changed": changed},
    )
    return row


@dataclass(frozen=True, slots=True)
class IssuedIdentitySecret:
    secret: str
    rotated_at: datetime


def rotate_identity_secret(
    session: Session, *, workspace_id: str, actor: Actor, ip: str | None
) -> IssuedIdentitySecret:
    """A new identity secret, shown once; HMACs made with the previous one stop verifying."""
    row = _stored(session, workspace_id)
    row.identity_secret = secrets.token_hex(32)
    row.updated_at = utcnow()
    session.flush()
    tenancy.record_audit(
        session,
        actor,
        action="widget.identity_secret_rotated",
        target_type="workspace",
        target_id=workspace_id,
        ip=ip,
        details={},
    )
    return IssuedIdentitySecret(secret=row.identity_secret, rotated_at=row.updated_at)
