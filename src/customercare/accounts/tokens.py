"""JWT access tokens: short-lived, HS256 only (the algorithm is pinned, so ``none`` or a
public-key confusion can never be accepted), signed with the installation's secret key."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import jwt

from customercare.errors import AuthenticationError
from customercare.ids import utcnow
from customercare.settings import Settings

ALGORITHM = "HS256"
ISSUER = "customercare"
ACCESS_AUDIENCE = "customercare-api"


def secret_key(settings: Settings) -> str:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def issue_access_token(settings: Settings, *, user_id: str, session_id: str) -> str:
    now = utcnow()
    claims = {
        "sub": user_id,
        "sid": session_id,
        "iss": ISSUER,
        "aud": ACCESS_AUDIENCE,
        "iat": now,
        "exp": now + timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, secret_key(settings), algorithm=ALGORITHM)


def decode_access_token(settings: Settings, token: str) -> dict[str, str]:
    """The token's subject and session; any defect is one generic 401."""
    try:
        claims = jwt.decode(
            token,
            secret_key(settings),
            algorithms=[ALGORITHM],
            audience=ACCESS_AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "sid"]},
        )
    except jwt.PyJWTError as error:
        raise AuthenticationError("invalid or expired access token") from error
    return {"user_id": str(claims["sub"]), "session_id": str(claims["sid"])}
