"""Writing and reading deployment records; each write is its own transaction, so a deploy that
dies half-way leaves the steps it took."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from customercare.db.engine import transaction
from customercare.delivery.deploy.models import Deployment, DeploymentStep
from customercare.ids import utcnow

__all__ = ["DeploymentView", "Recorder", "StepView", "history"]


@dataclass(frozen=True)
class StepView:
    name: str
    outcome: str
    detail: str | None
    started_at: datetime
    finished_at: datetime


@dataclass(frozen=True)
class DeploymentView:
    id: str
    environment: str
    kind: str
    version: str
    previous_version: str | None
    slot: str | None
    status: str
    verdict: str | None
    reason: str | None
    started_at: datetime
    finished_at: datetime | None
    steps: list[StepView] = field(default_factory=list)


class Recorder:
    """The database side of one deployment."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        environment: str,
        kind: str,
        version: str,
        previous_version: str | None,
    ) -> None:
        self.sessions = sessions
        with transaction(sessions) as session:
            row = Deployment(
                environment=environment,
                kind=kind,
                version=version,
                previous_version=previous_version,
                started_at=utcnow(),
            )
            session.add(row)
            session.flush()
            self.id = row.id

    def step(self, name: str, outcome: str, detail: str | None, started_at: datetime) -> None:
        with transaction(self.sessions) as session:
            session.add(
                DeploymentStep(
                    deployment_id=self.id,
                    name=name,
                    outcome=outcome,
                    detail=detail,
                    started_at=started_at,
                    finished_at=utcnow(),
                )
            )

    def finish(
        self, *, status: str, reason: str | None, slot: str | None, verdict: str | None = None
    ) -> None:
        with transaction(self.sessions) as session:
            row = session.get_one(Deployment, self.id)
            row.status = status
            row.reason = reason
            row.slot = slot
            row.verdict = verdict
            row.finished_at = utcnow()


def history(session: Session, *, environment: str, limit: int = 20) -> list[DeploymentView]:
    rows = session.scalars(
        select(Deployment)
        .where(Deployment.environment == environment)
        .order_by(Deployment.started_at.desc())
        .limit(limit)
    ).all()
    views = []
    for row in rows:
        steps = session.scalars(
            select(DeploymentStep)
            .where(DeploymentStep.deployment_id == row.id)
            .order_by(DeploymentStep.started_at, DeploymentStep.finished_at)
        ).all()
        views.append(
            DeploymentView(
                id=row.id,
                environment=row.environment,
                kind=row.kind,
                version=row.version,
                previous_version=row.previous_version,
                slot=row.slot,
                status=row.status,
                verdict=row.verdict,
                reason=row.reason,
                started_at=row.started_at,
                finished_at=row.finished_at,
                steps=[
                    StepView(s.name, s.outcome, s.detail, s.started_at, s.finished_at)
                    for s in steps
                ],
            )
        )
    return views
