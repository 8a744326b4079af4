"""Imports every table so that ``Base.metadata`` is complete (Alembic and tests use it)."""

from customercare.accounts.models import EmailToken, RefreshToken, User
from customercare.audit.models import AuditEvent
from customercare.conversations.models import Conversation, Feedback, HandoffTicket, Message
from customercare.db.base import Base
from customercare.delivery.deploy.models import Deployment, DeploymentStep
from customercare.knowledge.models import ChunkRecord, Document, DocumentContent, DocumentTag
from customercare.mail.models import OutboundMail
from customercare.search.keyword.models import KeywordChunk, KeywordPosting
from customercare.status.models import CheckResult, Incident, IncidentUpdate, MaintenanceWindow
from customercare.tenancy.models import ApiKey, Invitation, Membership, Workspace
from customercare.widget.models import WidgetSettings, WidgetVisitor

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Base",
    "CheckResult",
    "ChunkRecord",
    "Conversation",
    "Deployment",
    "DeploymentStep",
    "Document",
    "DocumentContent",
    "DocumentTag",
    "EmailToken",
    "Feedback",
    "HandoffTicket",
    "Incident",
    "IncidentUpdate",
    "Invitation",
    "KeywordChunk",
    "KeywordPosting",
    "MaintenanceWindow",
    "Membership",
    "Message",
    "OutboundMail",
    "RefreshToken",
    "User",
    "WidgetSettings",
    "WidgetVisitor",
    "Workspace",
]
