"""Verified visitors: the site signs its user's id with the workspace's identity secret,
``user_hash = hex(HMAC-SHA256(identity_secret, user_id))``, and the server checks it in
constant time. Without the secret nobody can claim another user's conversations."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["user_hash", "valid_user_hash"]


def user_hash(secret: str, user_id: str) -> str:
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def valid_user_hash(secret: str | None, user_id: str, given: str | None) -> bool:
    if not secret or not given:
        return False
    # As bytes: compare_digest refuses non-ASCII text, and a hash is whatever a page sends.
    expected = user_hash(secret, user_id).encode()
    return hmac.compare_digest(expected, given.strip().lower().encode("utf-8", "replace"))
