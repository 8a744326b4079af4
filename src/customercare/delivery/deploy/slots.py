"""The two slots, blue and green, and the releases they run.

A release is ``releases/<version>/`` under the environment's deploy root: ``release.json``
names the interpreter's ``ccgpt`` to run and the variables the release adds. A slot is one
``ccgpt serve`` process (detached: it outlives the deployer) on its own loopback port, with
``CCGPT_RELEASE_VERSION`` set; ``state.json`` says which slot is live and what each runs."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess  # nosec B404: the slots are separate server processes; no shell
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

__all__ = [
    "SLOTS",
    "Release",
    "SlotState",
    "State",
    "install_release",
    "other",
    "process_alive",
    "start_slot",
    "stop_slot",
    "wait_ready",
]

SLOTS = ("blue", "green")


def other(slot: str) -> str:
    return "green" if slot == "blue" else "blue"


@dataclass
class SlotState:
    port: int
    version: str | None = None
    pid: int | None = None


@dataclass
class State:
    nginx_port: int
    live: str | None = None
    slots: dict[str, SlotState] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> State | None:
        path = root / "state.json"
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        return cls(
            nginx_port=data["nginx_port"],
            live=data["live"],
            slots={name: SlotState(**slot) for name, slot in data["slots"].items()},
        )

    def save(self, root: Path) -> None:
        path = root / "state.json"
        scratch = path.with_suffix(".tmp")
        scratch.write_text(json.dumps(asdict(self), indent=2))
        scratch.replace(path)

    def live_version(self) -> str | None:
        return self.slots[self.live].version if self.live else None


@dataclass(frozen=True)
class Release:
    version: str
    directory: Path
    ccgpt: Path
    environment: dict[str, str]


def install_release(root: Path, version: str, environment: Mapping[str, str]) -> Release:
    """Record the release: this installation's ``ccgpt`` (see docs/deployment.md, "Releases")
    and the variables given for it (the tests' fault switches)."""
    directory = root / "releases" / version
    directory.mkdir(parents=True, exist_ok=True)
    ccgpt = Path(sys.executable).with_name("ccgpt")
    (directory / "release.json").write_text(
        json.dumps(
            {"version": version, "ccgpt": str(ccgpt), "environment": dict(environment)}, indent=2
        )
    )
    return Release(version, directory, ccgpt, dict(environment))


def load_release(root: Path, version: str) -> Release:
    directory = root / "releases" / version
    data = json.loads((directory / "release.json").read_text())
    return Release(version, directory, Path(data["ccgpt"]), dict(data["environment"]))


def process_alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie (exited, not yet reaped) is not alive
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


def start_slot(root: Path, slot: str, port: int, release: Release) -> int:
    variables = {**os.environ, **release.environment, "CCGPT_RELEASE_VERSION": release.version}
    # Metrics of this process only: a stale multiprocess directory would mix releases.
    variables.pop("PROMETHEUS_MULTIPROC_DIR", None)
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / f"{slot}.log").open("ab") as log:
        process = subprocess.Popen(  # noqa: S603  # nosec B603: our ccgpt, fixed arguments
            [str(release.ccgpt), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=variables,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return process.pid


def stop_slot(pid: int | None, *, timeout: float = 20) -> None:
    if not process_alive(pid) or pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while process_alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.1)
    with contextlib.suppress(ChildProcessError):  # reap it when this process started it
        os.waitpid(pid, os.WNOHANG)


def wait_ready(port: int, pid: int, *, timeout: float, interval: float = 1.0) -> str | None:
    """Poll ``/readyz`` every ``interval`` seconds; None once it answers 200, else why not."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while True:
        if not process_alive(pid):
            return "the slot's process exited"
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=interval)
            if response.status_code == 200:
                return None
            last = f"/readyz answered {response.status_code}: {response.text[:200]}"
        except httpx.TransportError as error:
            last = f"/readyz: {type(error).__name__}"
        if time.monotonic() + interval > deadline:
            return f"not ready within {timeout:g} s ({last})"
        time.sleep(interval)
