"""Random tokens handed to people (links, refresh tokens) and the digests stored for them.
They are long random strings, so SHA-256 is enough: a slow hash would add nothing."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
