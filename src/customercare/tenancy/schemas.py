"""What the workspace API accepts and returns."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from customercare.tenancy.permissions import Role, Scope

# Surrounding blanks are trimmed, so a name of only spaces counts as empty and is refused.
WorkspaceName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
KeyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

MAX_ALLOWED_DOMAINS = 50
_LABEL = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"
_ORIGIN = re.compile(
    rf"^https://(?P<wildcard>\*\.)?(?P<host>{_LABEL}(\.{_LABEL})*)(:(?P<port>[0-9]{{1,5}}))?$"
)
# Plain http only for this machine (browsers count loopback as a secure context): a site
# being built locally can embed the widget before it has a certificate.
_LOOPBACK_ORIGIN = re.compile(
    r"^http://(?P<host>localhost|127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})(:(?P<port>[0-9]{1,5}))?$"
)


def normalise_origin(value: str) -> str:
    """``https://host[:port]``, lower-cased, without a trailing slash; anything else (a path,
    credentials, plain http but to localhost or 127.x) is refused: it is compared with the
    browser's Origin. A wildcard
    ``https://*.shop.example`` stands for every subdomain of ``shop.example`` at any depth (not
    ``shop.example`` itself); its base needs at least two labels, so ``https://*.com`` is
    refused."""
    origin = value.strip().rstrip("/").lower()
    loopback = _LOOPBACK_ORIGIN.match(origin)
    if loopback is not None and 0 < int(loopback.group("port") or 80) < 65536:
        return origin
    match = _ORIGIN.match(origin)
    if match is None or not 0 < int(match.group("port") or 443) < 65536:
        raise ValueError(f"{value!r} is not an origin of the form https://host[:port]")
    if match.group("wildcard") and "." not in match.group("host"):
        raise ValueError(f"{value!r}: a wildcard needs a domain of two labels or more")
    return origin


def is_wildcard(origin: str) -> bool:
    return origin.startswith("https://*.")


def origin_matches(allowed: str, origin: str) -> bool:
    """Whether the browser's ``origin`` (canonical) is the allowed origin or, for a wildcard,
    one of its subdomains with the same scheme and port."""
    allowed = allowed.rstrip("/").lower()
    origin = origin.rstrip("/").lower()
    if not is_wildcard(allowed):
        return allowed == origin
    match = _ORIGIN.match(origin)
    if match is None or match.group("wildcard"):  # a browser never sends "*": forged
        return False
    # "https://*.shop.example:8443" matches "https://<one or more labels>.shop.example:8443".
    suffix = "." + allowed.removeprefix("https://*.")
    rest = origin.removeprefix("https://")
    return origin.startswith("https://") and rest.endswith(suffix) and len(rest) > len(suffix)


def wildcards_covering(origin: str) -> list[str]:
    """The wildcard origins that would match ``origin`` (canonical): for
    ``https://a.b.shop.example`` those are ``https://*.b.shop.example``,
    ``https://*.shop.example`` (a base of two labels at least), with the same port."""
    rest = origin.removeprefix("https://")
    host, colon, port = rest.partition(":")
    labels = host.split(".")
    return [
        f"https://*.{'.'.join(labels[start:])}{colon}{port}" for start in range(1, len(labels) - 1)
    ]


def normalise_origins(values: list[str]) -> list[str]:
    if len(values) > MAX_ALLOWED_DOMAINS:
        raise ValueError(f"at most {MAX_ALLOWED_DOMAINS} allowed domains")
    return list(dict.fromkeys(normalise_origin(value) for value in values))


Origins = Annotated[list[str], AfterValidator(normalise_origins)]


class WorkspacePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    # None: the installation's default (CCGPT_ANSWER_THRESHOLD) applies.
    answer_threshold: float | None
    plan: str
    allowed_domains: list[str]
    created_at: datetime


class WorkspaceCreate(BaseModel):
    name: WorkspaceName


class WorkspaceUpdate(BaseModel):
    name: WorkspaceName | None = None
    answer_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    # Origins the widget (publishable keys) may chat from; replaces the whole list.
    allowed_domains: Origins | None = None


class MemberPublic(BaseModel):
    user_id: str
    email: str
    name: str
    role: Role
    joined_at: datetime


class MemberList(BaseModel):
    items: list[MemberPublic]


class MemberUpdate(BaseModel):
    role: Role


class MembershipPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    workspace_id: str
    user_id: str
    role: Role
    created_at: datetime


class InvitationCreate(BaseModel):
    email: EmailStr
    role: Role = Role.agent


class InvitationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    role: Role
    invited_by: str | None
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class InvitationList(BaseModel):
    items: list[InvitationPublic]


class InvitationAccept(BaseModel):
    token: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ApiKeyCreate(BaseModel):
    name: KeyName
    # Ignored for a publishable key, which may only ever chat.
    scopes: list[Scope] = Field(default_factory=lambda: [Scope.chat], max_length=16)
    publishable: bool = False


class ApiKeyPublic(BaseModel):
    """A key as listed: never its secret nor its digest."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    prefix: str
    kind: str
    scopes: list[str]
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    # Shown once: only its digest is stored.
    secret: str


class ApiKeyList(BaseModel):
    items: list[ApiKeyPublic]


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    action: str
    actor_user_id: str | None
    actor_api_key_id: str | None
    target_type: str | None
    target_id: str | None
    ip: str | None
    details: dict[str, Any]
    created_at: datetime


class AuditEventList(BaseModel):
    items: list[AuditEventPublic]
