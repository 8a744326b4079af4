"""The one-host deployer for real: ``ccgpt deploy`` as a process, nginx and two ``ccgpt serve``
slots on loopback, a shared SQLite database, an embeddings server on loopback, and a bounded
load through nginx the whole time."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from customercare.db.engine import make_session_factory, transaction
from customercare.db.migrate import upgrade
from customercare.tenancy import service as tenancy
from tests.support.embedding_server import EmbeddingServer
from tests.support.loopback import free_port

CCGPT = Path(sys.executable).with_name("ccgpt")
INHERITED_SWITCHES = ("DATABASE_URL", "REDIS_URL", "CHROMA_URL", "FORWARDED_ALLOW_IPS")
GUIDE = (
    b"# Shipping guide\n\n## Iceland\n\n"
    b"Parcels to Iceland are delivered by Fjord Express within 6 business days.\n\n"
    b"## Returns\n\nPhones can be returned within 30 days of delivery for a full refund.\n"
)


@dataclass
class Site:
    """One environment: its variables, nginx's URL, and the workspace key once seeded."""

    environment: dict[str, str]
    root: Path
    port: int
    key: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ccgpt(
        self, *arguments: str, extra: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CCGPT), *arguments],
            env=self.environment | (extra or {}),
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    base = tmp_path_factory.mktemp("deploy")
    variables = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("CCGPT_") and name not in INHERITED_SWITCHES
    }
    with EmbeddingServer(dimension=64) as embeddings:
        variables |= {
            "CCGPT_DATA_DIR": str(base / "data"),
            "CCGPT_DEPLOY_ROOT": str(base / "deploy"),
            "CCGPT_EMBEDDER": "openai_compatible",
            "CCGPT_EMBEDDING_API_BASE": embeddings.url,
            "CCGPT_RATE_LIMIT_PER_IP_PER_MINUTE": "0",
            "CCGPT_RATE_LIMIT_PER_API_KEY_PER_MINUTE": "0",
            "CCGPT_QUOTAS_ENABLED": "false",
            "CCGPT_LOG_LEVEL": "WARNING",
            "CCGPT_DEPLOY_READY_TIMEOUT_SECONDS": "60",
            "CCGPT_DEPLOY_DRAIN_TIMEOUT_SECONDS": "10",
            "CCGPT_DEPLOY_WATCH_SECONDS": "4",
            "CCGPT_DEPLOY_SMOKE_QUESTION": "How long does delivery to Iceland take?",
        }
        site = Site(variables, base / "deploy" / "staging", free_port())
        try:
            yield site
        finally:
            site.ccgpt("deploy", "stop", "staging")


def seed(site: Site) -> None:
    """A workspace, its key (the smoke tests' from now on) and the guide, through nginx."""
    database = f"sqlite:///{Path(site.environment['CCGPT_DATA_DIR']) / 'customercare.db'}"
    upgrade(database)
    engine = create_engine(database)
    try:
        with transaction(make_session_factory(engine)) as session:
            workspace = tenancy.create_workspace(session, name="Deploys")
            issued = tenancy.create_api_key(session, workspace_id=workspace.id, name="smoke")
    finally:
        engine.dispose()
    site.key = issued.secret
    site.environment["CCGPT_DEPLOY_SMOKE_API_KEY"] = issued.secret
    headers = {"Authorization": f"Bearer {issued.secret}"}
    uploaded = httpx.post(
        f"{site.url}/api/v1/documents", headers=headers, files={"file": ("guide.md", GUIDE)}
    )
    assert uploaded.status_code == 202, uploaded.text
    document = f"{site.url}/api/v1/documents/{uploaded.json()['document']['id']}"
    deadline = time.monotonic() + 60
    while httpx.get(document, headers=headers).json()["status"] != "ready":
        assert time.monotonic() < deadline, "the guide was not indexed"
        time.sleep(0.3)


@dataclass
class Load:
    """A bounded load through nginx: one thread, health checks and (with a key) chat turns,
    about 20 requests a second. Each request records (time, status, version) or its error."""

    site: Site
    seen: list[tuple[float, int, str]] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.site.key}"} if self.site.key else {}
        with httpx.Client(base_url=self.site.url, timeout=30) as client:
            number = 0
            while not self.stop.is_set():
                number += 1
                try:
                    if self.site.key and number % 2 == 0:
                        response = client.post(
                            "/api/v1/chat",
                            headers=headers,
                            json={"message": f"How long does delivery to Iceland take? ({number})"},
                        )
                    else:
                        response = client.get("/healthz")
                    self.seen.append(
                        (
                            time.monotonic(),
                            response.status_code,
                            response.headers.get("x-ccgpt-version", ""),
                        )
                    )
                except httpx.HTTPError as error:
                    self.errors[type(error).__name__] += 1
                time.sleep(0.05)

    def failed(self, since: float = 0.0) -> list[tuple[float, int, str]]:
        return [entry for entry in self.seen if entry[0] >= since and entry[1] >= 500]


@pytest.fixture
def load(site: Site) -> Iterator[Load]:
    running = Load(site)
    thread = threading.Thread(target=running.run, name="deploy-load", daemon=True)
    thread.start()
    try:
        yield running
    finally:
        running.stop.set()
        thread.join(timeout=60)
