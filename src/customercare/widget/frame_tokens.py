"""The frame token: what the widget's frame sends as its bearer credential.

``ccwf1_<payload>.<signature>``: the payload is base64url JSON ``{"w": workspace, "k": key id,
"o": parent origin, "e": expiry (Unix seconds)}``, the signature base64url HMAC-SHA256 over
the payload with a key derived from the installation's secret key (the one access tokens
are signed with; derived, so a frame token's MAC is never valid as anything else). It has
one dot, so ``deps`` never takes it for a JWT (three parts), and it does not start with
``ccgpt_``, so it is never taken for an API key. The browser treats it as opaque.

Accepting one also rechecks what may have changed since it was issued: the key still exists,
is publishable and not revoked, and the parent origin is still allowed."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from customercare.accounts import service as accounts
from customercare.errors import AuthenticationError, PermissionDenied
from customercare.ids import utcnow
from customercare.settings import Settings
from customercare.tenancy import service as tenancy

__all__ = [
    "FRAME_TOKEN_PREFIX",
    "FrameGrant",
    "authenticate_frame_token",
    "issue_frame_token",
    "looks_like_frame_token",
    "read_frame_token",
]

FRAME_TOKEN_PREFIX = "ccwf1_"  # noqa: S105  # nosec B105: a prefix, not a secret
LIFETIME = timedelta(hours=8)
_PURPOSE = b"customercare.widget.frame-token.v1"


@dataclass(frozen=True, slots=True)
class FrameGrant:
    """What a valid frame token says: the workspace, its publishable key, the page's origin."""

    workspace_id: str
    key_id: str
    origin: str
    expires_at: datetime


def _signing_key(settings: Settings) -> bytes:
    secret = accounts.secret_key(settings).encode()
    return hmac.new(secret, _PURPOSE, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def looks_like_frame_token(secret: str) -> bool:
    return secret.startswith(FRAME_TOKEN_PREFIX)


def issue_frame_token(
    settings: Settings,
    *,
    workspace_id: str,
    key_id: str,
    origin: str,
    lifetime: timedelta = LIFETIME,
) -> str:
    expires = int((utcnow() + lifetime).timestamp())
    claims = {"w": workspace_id, "k": key_id, "o": origin, "e": expires}
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(_signing_key(settings), payload.encode(), hashlib.sha256).digest()
    return f"{FRAME_TOKEN_PREFIX}{payload}.{_b64(signature)}"


def read_frame_token(settings: Settings, token: str) -> FrameGrant:
    """The grant of a well-signed, unexpired token; one generic 401 for any defect."""
    invalid = AuthenticationError("invalid or expired widget frame token")
    if not looks_like_frame_token(token) or token.count(".") != 1:
        raise invalid
    payload, _, signature = token.removeprefix(FRAME_TOKEN_PREFIX).partition(".")
    expected = hmac.new(_signing_key(settings), payload.encode(), hashlib.sha256).digest()
    try:
        given = _unb64(signature)
        claims = json.loads(_unb64(payload))
        grant = FrameGrant(
            workspace_id=str(claims["w"]),
            key_id=str(claims["k"]),
            origin=str(claims["o"]),
            expires_at=datetime.fromtimestamp(int(claims["e"]), tz=UTC),
        )
    except (binascii.Error, ValueError, KeyError, TypeError, OverflowError, OSError) as error:
        raise invalid from error
    if not hmac.compare_digest(given, expected):
        raise invalid
    if grant.expires_at <= utcnow():
        raise invalid
    return grant


def authenticate_frame_token(session: Session, settings: Settings, *, token: str) -> FrameGrant:
    """A valid token whose key is still a live publishable key of its workspace and whose
    origin the workspace still allows (401 for the token or the key, 403 for the origin)."""
    grant = read_frame_token(settings, token)
    key = session.get(tenancy.ApiKey, grant.key_id)
    if (
        key is None
        or key.workspace_id != grant.workspace_id
        or key.revoked_at is not None
        or key.kind != "publishable"
    ):
        raise AuthenticationError("invalid or revoked widget key")
    workspace = tenancy.get_workspace_or_raise(session, workspace_id=grant.workspace_id)
    if not tenancy.origin_allowed(workspace, grant.origin):
        raise PermissionDenied(
            "the widget's page is no longer one of the workspace's allowed domains",
            details={"origin": grant.origin},
        )
    return grant
