"""The checks file (``deploy/status/checks.toml``): components, checks and who is told.

Secrets are never in this file: the Slack webhook and the GitHub token come from the
settings (``CCGPT_STATUS_SLACK_WEBHOOK_URL``, ``CCGPT_STATUS_GITHUB_TOKEN``)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = ["Check", "Component", "ConfigError", "Notify", "Page", "StatusConfig", "load_config"]

JsonScalar = str | int | float | bool | None


class ConfigError(Exception):
    """The checks file is missing or invalid (a usage error: the CLI exits 2)."""


class _Strict(BaseModel):
    # A misspelt key is an error, never a silently ignored condition.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Component(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,49}$")
    name: str = Field(min_length=1, max_length=80)
    description: str = ""


class Check(_Strict):
    """One probe of one public endpoint, and what counts as working."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$")
    component: str
    url: str = Field(pattern=r"^https?://")
    method: Literal["GET", "HEAD"] = "GET"
    expect_status: tuple[int, ...] = (200,)
    # Body conditions: a JSON field (dotted path) equal to a value, and/or a substring.
    json_field: str | None = None
    json_equals: JsonScalar = None
    body_contains: str | None = None
    # Slower than degraded_after_ms: working but degraded; slower than max_latency_ms (or no
    # answer within timeout_seconds): down.
    degraded_after_ms: float | None = Field(default=None, gt=0)
    max_latency_ms: float | None = Field(default=None, gt=0)
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # An https check fails when its certificate expires within this many days.
    tls_min_days: int | None = Field(default=14, ge=0)
    # A private CA to trust (PEM) in addition to none: the default trusts the system store.
    ca_file: Path | None = None
    fail_after: int = Field(default=3, ge=1)
    recover_after: int = Field(default=2, ge=1)

    @model_validator(mode="after")
    def _json_pair(self) -> Check:
        if self.json_field is None and "json_equals" in self.model_fields_set:
            raise ValueError("json_equals needs json_field")
        return self


class Notify(_Strict):
    email_to: tuple[str, ...] = ()
    slack: bool = False
    github: bool = False
    # While an incident is open, everyone is reminded this often (0: never).
    reminder_minutes: float = Field(default=60, ge=0)
    # Each notifier is tried this many times with exponential backoff, then given up.
    attempts: int = Field(default=3, ge=1, le=10)
    backoff_seconds: float = Field(default=1.0, ge=0)


class Page(_Strict):
    title: str = "Status"
    url: str | None = None
    # A result holds until the next one, for at most this long (a stopped monitor is "no
    # data", not "up").
    stale_after_minutes: float = Field(default=30, gt=0)


class StatusConfig(_Strict):
    interval_seconds: float = Field(default=60, gt=0)
    page: Page = Page()
    notify: Notify = Notify()
    components: tuple[Component, ...] = Field(min_length=1)
    checks: tuple[Check, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> StatusConfig:
        ids = [component.id for component in self.components]
        if len(set(ids)) != len(ids):
            raise ValueError("component ids must be unique")
        names = [check.name for check in self.checks]
        if len(set(names)) != len(names):
            raise ValueError("check names must be unique")
        for check in self.checks:
            if check.component not in ids:
                raise ValueError(
                    f"check {check.name!r}: unknown component {check.component!r} "
                    f"(known: {', '.join(ids)})"
                )
        return self

    def component(self, component_id: str) -> Component:
        for component in self.components:
            if component.id == component_id:
                return component
        known = ", ".join(component.id for component in self.components)
        raise ConfigError(f"unknown component {component_id!r} (known: {known})")

    def checks_of(self, component_id: str) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if check.component == component_id)


def parse_config(data: dict[str, Any], *, source: str, base: Path | None = None) -> StatusConfig:
    try:
        config = StatusConfig.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or '(file)'}: {item['msg']}"
            for item in error.errors()
        )
        raise ConfigError(f"invalid checks file {source}: {problems}") from error
    if base is None:
        return config
    # A relative ca_file is relative to the checks file, not to the current directory.
    checks = tuple(
        check.model_copy(update={"ca_file": base / check.ca_file})
        if check.ca_file is not None and not check.ca_file.is_absolute()
        else check
        for check in config.checks
    )
    return config.model_copy(update={"checks": checks})


def load_config(path: Path) -> StatusConfig:
    """Read and validate ``path``; any problem is one readable ConfigError."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read checks file {path}: {error.strerror}") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from error
    return parse_config(data, source=str(path), base=path.parent)
