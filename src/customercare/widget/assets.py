"""The widget's built files (``static/``, written by the widget's build): the loader
``widget.js``, and the frame's ``frame.js`` and ``frame.css``. Served with their content type,
a strong ETag (SHA-256 of the bytes) and a short cache life, so a new build reaches every
site within minutes while repeat loads cost a 304."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from customercare.errors import NotFoundError

__all__ = ["ASSETS", "CACHE_CONTROL", "STATIC_DIR", "Asset", "read_asset"]

STATIC_DIR = Path(__file__).with_name("static")
CACHE_CONTROL = "public, max-age=300"
ASSETS = {
    "widget.js": "text/javascript; charset=utf-8",
    "frame.js": "text/javascript; charset=utf-8",
    "frame.css": "text/css; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


_cache: dict[str, tuple[int, Asset]] = {}


def read_asset(name: str, *, directory: Path = STATIC_DIR) -> Asset:
    """One of ``ASSETS`` (404 when the build has not written it); cached until it changes."""
    media_type = ASSETS.get(name)
    path = directory / name
    if media_type is None:
        raise NotFoundError(f"widget asset {name} not found")
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as error:
        raise NotFoundError(f"widget asset {name} not found (widget not built)") from error
    key = str(path)
    cached = _cache.get(key)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    body = path.read_bytes()
    asset = Asset(
        body=body, media_type=media_type, etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    )
    _cache[key] = (mtime, asset)
    return asset
