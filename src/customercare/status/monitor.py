"""One monitoring round: probe every check, store the results and decide incidents in one
transaction, then notify (after the commit) and remember what the notifiers said."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import structlog
from sqlalchemy.orm import Session, sessionmaker

from customercare.db.engine import transaction
from customercare.ids import utcnow
from customercare.status.config import Check, StatusConfig
from customercare.status.events import IncidentEvent
from customercare.status.incidents import record
from customercare.status.models import Incident
from customercare.status.notifiers import Delivery, Notifier, deliver
from customercare.status.probes import Observation, probe

__all__ = ["Round", "notify", "run_forever", "run_once"]

log = structlog.get_logger(__name__)
PROBE_THREADS = 8


@dataclass
class Round:
    observations: list[Observation] = field(default_factory=list)
    events: list[IncidentEvent] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)


def notify(
    sessions: sessionmaker[Session],
    config: StatusConfig,
    notifiers: Sequence[Notifier],
    event: IncidentEvent,
    *,
    now: datetime,
    sleep: Callable[[float], None] | None = None,
) -> Delivery:
    """Deliver one event and store what the notifiers returned. An incident counts as
    notified unless every notifier failed (then the next round reminds again)."""
    options = {"sleep": sleep} if sleep is not None else {}
    delivery = deliver(
        notifiers,
        event,
        attempts=config.notify.attempts,
        backoff_seconds=config.notify.backoff_seconds,
        **options,
    )
    with transaction(sessions) as session:
        incident = session.get(Incident, event.incident_id)
        if incident is not None:
            incident.notifier_refs = dict(delivery.refs)
            if delivery.sent or not delivery.failed:
                incident.last_notified_at = now
    if delivery.failed:
        log.warning("status.notify_gave_up", incident=event.incident_id, failed=delivery.failed)
    return delivery


def run_once(
    sessions: sessionmaker[Session],
    config: StatusConfig,
    notifiers: Sequence[Notifier],
    *,
    now: datetime | None = None,
    probe_check: Callable[[Check, datetime], Observation] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Round:
    now = now or utcnow()
    run = probe_check or (lambda check, at: probe(check, now=at))
    with ThreadPoolExecutor(max_workers=min(PROBE_THREADS, len(config.checks))) as pool:
        observations = list(pool.map(lambda check: run(check, now), config.checks))
    with transaction(sessions) as session:
        events = record(session, config, observations, now=now)
    result = Round(observations=observations, events=events)
    for event in events:
        log.info(
            "status.incident",
            kind=event.kind,
            incident=event.incident_id,
            component=event.component,
        )
        result.deliveries.append(notify(sessions, config, notifiers, event, now=now, sleep=sleep))
    return result


def run_forever(
    sessions: sessionmaker[Session],
    config: StatusConfig,
    notifiers: Sequence[Notifier],
    *,
    interval: float,
    stop: threading.Event,
    on_round: Callable[[Round], None] | None = None,
) -> None:
    """A round every ``interval`` seconds until ``stop`` is set. A failing round (the
    database restarting) is logged and the next one runs as usual."""
    while not stop.is_set():
        try:
            result = run_once(sessions, config, notifiers)
        except Exception as error:  # keep monitoring whatever one round met
            log.warning("status.round_failed", error=f"{type(error).__name__}: {error}"[:200])
        else:
            if on_round is not None:
                on_round(result)
        stop.wait(interval)
