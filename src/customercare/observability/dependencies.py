"""What the detailed health report checks, one probe per dependency. Each probe gets only
what it checks (an engine, a URL, a callable), so this module knows no domain; the router
wires them from the runtime."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from functools import cache
from importlib import metadata
from pathlib import Path

import httpx
import redis
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from customercare.db.migrate import current_head
from customercare.observability.health import NotConfigured, Probe
from customercare.settings import Settings

__all__ = ["build_probes", "git_revision", "version"]


def build_probes(
    settings: Settings,
    *,
    engine: Engine,
    vector_store_heartbeat: Callable[[], None],
    embed: Callable[[list[str]], object],
) -> dict[str, Probe]:
    return {
        "database": lambda: _database(engine),
        "migrations": lambda: _migrations(engine),
        "redis": lambda: _redis(settings.redis_url),
        "vector_store": lambda: _call(vector_store_heartbeat, "heartbeat answered"),
        "embedder": lambda: _call(lambda: embed(["health check"]), settings.embedding_model_name),
        "llm": lambda: _llm(settings),
        "smtp": lambda: _smtp(settings),
    }


def _database(engine: Engine) -> str:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return engine.dialect.name


def _migrations(engine: Engine) -> str:
    with engine.connect() as connection:
        applied = MigrationContext.configure(connection).get_current_revision()
    head = current_head()
    if applied != head:
        raise RuntimeError(f"database at {applied}, code expects {head}: run `ccgpt db upgrade`")
    return f"at head {head}"


def _redis(url: str | None) -> str:
    if not url:
        raise NotConfigured("no REDIS_URL: jobs, limits and live events stay in this process")
    client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
    try:
        client.ping()
    finally:
        client.close()
    return "ping answered"


def _call(check: Callable[[], object], detail: str) -> str:
    check()
    return detail


def _llm(settings: Settings) -> str:
    if settings.answer_provider != "openai_compatible":
        raise NotConfigured("offline answers (no LLM configured)")
    headers = {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
    # The model list costs no tokens and proves the URL, the network and the key.
    response = httpx.get(settings.llm_base_url.rstrip("/") + "/models", headers=headers, timeout=5)
    response.raise_for_status()
    return f"{settings.llm_model} at {httpx.URL(settings.llm_base_url).host}"


def _smtp(settings: Settings) -> str:
    if not settings.smtp_host:
        raise NotConfigured("no SMTP host: mail is logged, not sent")
    timeout = min(settings.smtp_timeout_seconds, 5.0)
    connection: smtplib.SMTP = (
        smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout)
        if settings.smtp_ssl
        else smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    )
    try:
        code, _ = connection.noop()
    finally:
        connection.close()
    if code != 250:
        raise RuntimeError(f"NOOP answered {code}")
    return f"{settings.smtp_host}:{settings.smtp_port}"


def version() -> str:
    try:
        return metadata.version("customercare")
    except metadata.PackageNotFoundError:
        return "unknown"


@cache
def git_revision(configured: str | None) -> str:
    """The deployed revision: the setting (releases set it), else the HEAD of the checkout
    the code runs from (read from .git, no subprocess), else "unknown"."""
    if configured:
        return configured
    for folder in Path(__file__).resolve().parents:
        head_file = folder / ".git" / "HEAD"
        if head_file.is_file():
            return _resolve_head(folder / ".git", head_file.read_text().strip())
    return "unknown"


def _resolve_head(git_dir: Path, head: str) -> str:
    if not head.startswith("ref: "):
        return head  # a detached HEAD is the revision itself
    ref = head.removeprefix("ref: ")
    loose = git_dir / ref
    if loose.is_file():
        return loose.read_text().strip()
    packed = git_dir / "packed-refs"
    if packed.is_file():
        for line in packed.read_text().splitlines():
            revision, _, name = line.partition(" ")
            if name == ref:
                return revision
    return "unknown"
