"""One-host blue-green deployment (docs/deployment.md): ``deploy``, ``rollback``, ``stop``,
``current`` and ``history``, over nginx (``nginx.py``), the slots (``slots.py``), the smoke
tests and the watch window (``checks.py``); every step logged and recorded (``records.py``)."""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import structlog
from sqlalchemy.orm import Session, sessionmaker

from customercare.backup import service as backup
from customercare.db.engine import make_engine, make_session_factory, transaction
from customercare.db.migrate import upgrade
from customercare.delivery.deploy import checks
from customercare.delivery.deploy.nginx import Nginx, NginxError
from customercare.delivery.deploy.records import DeploymentView, Recorder, StepView
from customercare.delivery.deploy.records import history as read_history
from customercare.delivery.deploy.slots import (
    SLOTS,
    SlotState,
    State,
    install_release,
    other,
    process_alive,
    start_slot,
    stop_slot,
    wait_ready,
)
from customercare.ids import utcnow
from customercare.settings import Settings

__all__ = [
    "DeployFailed",
    "DeploymentView",
    "Outcome",
    "State",
    "StepView",
    "current",
    "deploy",
    "history",
    "rollback",
    "stop",
]

log = structlog.get_logger(__name__)
PRODUCTION = {"production", "prod"}


class DeployFailed(RuntimeError):
    """The deploy stopped; ``changed`` says whether anything had changed before it did."""

    def __init__(self, reason: str, *, changed: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.changed = changed


@dataclass(frozen=True)
class Outcome:
    deployment_id: str
    version: str
    slot: str
    verdict: str | None
    detail: str


class _Steps:
    """Steps taken before the deployment could be recorded are kept and written once it is."""

    def __init__(self, environment: str) -> None:
        self.environment = environment
        self.pending: list[tuple[str, str, str | None, datetime]] = []
        self.recorder: Recorder | None = None

    def done(self, name: str, outcome: str, detail: str | None, started: datetime) -> None:
        log.info(
            "deploy.step", environment=self.environment, step=name, outcome=outcome, detail=detail
        )
        if self.recorder is None:
            self.pending.append((name, outcome, detail, started))
        else:
            self.recorder.step(name, outcome, detail, started)

    def attach(self, recorder: Recorder) -> None:
        self.recorder = recorder
        for step in self.pending:
            recorder.step(*step)
        self.pending.clear()


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Two deploys of one environment never overlap."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / "deploy.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise DeployFailed(
                "another deploy of this environment is running", changed=False
            ) from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sessions(settings: Settings) -> sessionmaker[Session]:
    return make_session_factory(make_engine(settings.resolved_database_url))


def _backup(settings: Settings) -> str:
    stores = backup.stores_from_settings(settings)
    entry, _ = backup.create_backup(stores, now=utcnow())
    report = backup.verify_backup(stores, entry.id)
    if not report.ok:
        raise DeployFailed(
            f"backup {entry.id} failed verification: {report.problems}", changed=False
        )
    return entry.id


def deploy(
    settings: Settings,
    environment: str,
    *,
    version: str,
    port: int | None = None,
    release_environment: Mapping[str, str] | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> Outcome:
    """Deploy ``version`` to the idle slot and switch to it; raise ``DeployFailed`` with the
    reason when it does not take (the live slot then keeps serving)."""
    root = settings.resolved_deploy_root(environment)
    with _locked(root):
        return _deploy(settings, environment, root, version, port, release_environment or {}, say)


def _deploy(
    settings: Settings,
    environment: str,
    root: Path,
    version: str,
    port: int | None,
    release_environment: Mapping[str, str],
    say: Callable[[str], None],
) -> Outcome:
    state = State.load(root)
    if state is None:
        if port is None:
            raise DeployFailed("first deploy of this environment: give --port", changed=False)
        state = State(
            nginx_port=port,
            slots={name: SlotState(port=port + 1 + index) for index, name in enumerate(SLOTS)},
        )
    steps = _Steps(environment)

    def step(
        name: str, detail: str | None = None, outcome: str = "ok", *, started: datetime
    ) -> None:
        steps.done(name, outcome, detail, started)
        say(f"{name}: {outcome}{f' ({detail})' if detail else ''}")

    if environment in PRODUCTION:
        started = utcnow()
        try:
            backup_id = _backup(settings)
        except DeployFailed:
            raise
        except Exception as error:
            reason = f"refused: no verified backup ({type(error).__name__}: {error})"
            log.error("deploy.refused", environment=environment, version=version, reason=reason)
            raise DeployFailed(reason, changed=False) from error
        step("backup", f"{backup_id} verified", started=started)
    else:
        step("backup", f"not required for {environment}", "skipped", started=utcnow())

    started = utcnow()
    try:
        upgrade(settings.resolved_database_url)
    except Exception as error:
        raise DeployFailed(f"migrations failed: {type(error).__name__}: {error}") from error
    step("migrate", "database at head", started=started)

    sessions = _sessions(settings)
    previous_slot = (
        state.live if state.live and process_alive(state.slots[state.live].pid) else None
    )
    recorder = Recorder(
        sessions,
        environment=environment,
        kind="deploy",
        version=version,
        previous_version=state.live_version(),
    )
    steps.attach(recorder)
    idle = other(state.live) if state.live else SLOTS[0]
    slot = state.slots[idle]

    def fail(reason: str) -> DeployFailed:
        log.error("deploy.failed", environment=environment, version=version, reason=reason)
        recorder.finish(status="failed", reason=reason, slot=idle)
        return DeployFailed(reason)

    started = utcnow()
    release = install_release(root, version, release_environment)
    step("install", str(release.directory), started=started)

    started = utcnow()
    stop_slot(slot.pid)  # the warm previous release, or a leftover
    slot.pid = start_slot(root, idle, slot.port, release)
    slot.version = version
    state.save(root)
    step("start", f"{idle} on port {slot.port}, pid {slot.pid}", started=started)

    started = utcnow()
    problem = wait_ready(slot.port, slot.pid, timeout=settings.deploy_ready_timeout_seconds)
    if problem is not None:
        stop_slot(slot.pid)
        slot.pid = None
        slot.version = None
        state.save(root)
        step("ready", f"{problem}; slot stopped, it got no traffic", "failed", started=started)
        raise fail(f"{version} never became ready: {problem}")
    step("ready", started=started)

    started = utcnow()
    key = settings.deploy_smoke_api_key
    results = checks.smoke_test(
        f"http://127.0.0.1:{slot.port}",
        api_key=key.get_secret_value() if key else None,
        question=settings.deploy_smoke_question,
        refusal_question=settings.deploy_smoke_refusal_question,
    )
    summary = "; ".join(f"{r.name} {'ok' if r.ok else 'FAILED'} ({r.detail})" for r in results)
    if not all(r.ok for r in results):
        stop_slot(slot.pid)
        slot.pid = None
        slot.version = None
        state.save(root)
        step("smoke", summary, "failed", started=started)
        raise fail(f"smoke tests failed on {version}: {summary}")
    step("smoke", summary, started=started)

    started = utcnow()
    nginx = Nginx(root, port=state.nginx_port)
    try:
        if nginx.master_pid() is None:
            nginx.start(slot.port)
        else:
            nginx.switch(slot.port)
    except NginxError as error:
        raise fail(f"switch failed: {error}") from error
    state.live = idle
    state.save(root)
    step("switch", f"nginx :{state.nginx_port} -> {idle} :{slot.port}", started=started)

    if previous_slot is not None:
        started = utcnow()
        drained = nginx.wait_drained(settings.deploy_drain_timeout_seconds)
        step(
            "drain",
            f"{previous_slot} drained, kept warm"
            if drained
            else f"drain timeout {settings.deploy_drain_timeout_seconds:g} s; "
            f"{previous_slot} kept warm",
            "ok" if drained else "failed",
            started=started,
        )

    verdict: checks.Verdict | None = None
    if settings.deploy_watch_seconds > 0:
        started = utcnow()
        verdict = checks.watch(
            slot.port,
            seconds=settings.deploy_watch_seconds,
            max_error_rate=settings.deploy_max_error_rate,
            max_p95_seconds=settings.deploy_max_p95_seconds,
        )
        step(
            "watch",
            f"{verdict.verdict}: {verdict.reason}",
            "failed" if verdict.verdict == "unhealthy" else "ok",
            started=started,
        )
        if verdict.verdict == "unhealthy" and previous_slot is not None:
            started = utcnow()
            back = state.slots[previous_slot]
            nginx.switch(back.port)
            state.live = previous_slot
            state.save(root)
            step("rollback", f"nginx -> {previous_slot} ({back.version})", started=started)
            reason = f"rolled back automatically: {verdict.reason}"
            log.error("deploy.rolled_back", environment=environment, version=version, reason=reason)
            recorder.finish(status="rolled_back", reason=reason, slot=idle, verdict=verdict.verdict)
            raise DeployFailed(reason)
    detail = verdict.reason if verdict else "no watch window"
    recorder.finish(
        status="succeeded", reason=detail, slot=idle, verdict=verdict.verdict if verdict else None
    )
    log.info("deploy.succeeded", environment=environment, version=version, slot=idle)
    return Outcome(recorder.id, version, idle, verdict.verdict if verdict else None, detail)


def rollback(
    settings: Settings, environment: str, *, say: Callable[[str], None] = lambda _: None
) -> Outcome:
    """Switch back to the warm previous slot (checked ready first)."""
    root = settings.resolved_deploy_root(environment)
    with _locked(root):
        state = State.load(root)
        if state is None or state.live is None:
            raise DeployFailed("nothing is deployed in this environment", changed=False)
        target = other(state.live)
        slot = state.slots[target]
        if slot.pid is None or slot.version is None or not process_alive(slot.pid):
            raise DeployFailed(f"no warm previous release in {target}", changed=False)
        steps = _Steps(environment)
        recorder = Recorder(
            _sessions(settings),
            environment=environment,
            kind="rollback",
            version=slot.version,
            previous_version=state.live_version(),
        )
        steps.attach(recorder)
        started = utcnow()
        problem = wait_ready(slot.port, slot.pid, timeout=settings.deploy_ready_timeout_seconds)
        if problem is not None:
            steps.done("ready", "failed", problem, started)
            recorder.finish(status="failed", reason=problem, slot=target)
            raise DeployFailed(f"{target} is not ready: {problem}", changed=False)
        steps.done("ready", "ok", None, started)
        say(f"ready: {target} ({slot.version})")
        started = utcnow()
        nginx = Nginx(root, port=state.nginx_port)
        nginx.switch(slot.port)
        left = state.live
        state.live = target
        state.save(root)
        steps.done("switch", "ok", f"nginx -> {target} :{slot.port}", started)
        say(f"switch: nginx -> {target} ({slot.version})")
        started = utcnow()
        drained = nginx.wait_drained(settings.deploy_drain_timeout_seconds)
        steps.done("drain", "ok" if drained else "failed", f"{left} kept warm", started)
        recorder.finish(status="succeeded", reason="manual rollback", slot=target)
        log.info("deploy.rollback", environment=environment, version=slot.version, slot=target)
        return Outcome(recorder.id, slot.version, target, None, "manual rollback")


def current(settings: Settings, environment: str) -> State | None:
    return State.load(settings.resolved_deploy_root(environment))


def history(settings: Settings, environment: str, *, limit: int = 20) -> list[DeploymentView]:
    with transaction(_sessions(settings)) as session:
        return read_history(session, environment=environment, limit=limit)


def stop(settings: Settings, environment: str) -> None:
    """Stop nginx and both slots of the environment (the tests' clean-up, a decommission)."""
    root = settings.resolved_deploy_root(environment)
    state = State.load(root)
    if state is None:
        return
    Nginx(root, port=state.nginx_port).stop()
    for slot in state.slots.values():
        stop_slot(slot.pid)
        slot.pid = None
    state.live = None
    state.save(root)
