"""The manifest inside every archive, and the small entry stored next to it.

- ``Manifest`` (``manifest.json``, the archive's first member): format, application version,
  dialect, migration revision, rows per table, vectors per workspace collection, the chunks
  whose vectors were missing at backup time, and the SHA-256 and size of every other member.
- ``Entry`` (``<id>.json`` beside ``<id>.<archive>``): what ``list`` and ``prune`` read
  without fetching archives, and the SHA-256 of the archive file as stored. It is written
  last, so an archive without its entry is an unfinished upload and is ignored."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from customercare.backup.errors import BackupCorrupted

__all__ = ["FORMAT", "Entry", "Manifest", "MemberDigest", "new_backup_id"]

FORMAT = 1
ID_PATTERN = re.compile(r"^ccgpt-\d{8}T\d{6}Z-[0-9a-f]{6}$")


def new_backup_id(moment: datetime) -> str:
    return f"ccgpt-{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


@dataclass(frozen=True, slots=True)
class MemberDigest:
    sha256: str
    size: int


@dataclass(slots=True)
class Manifest:
    id: str
    created_at: str
    app_version: str
    dialect: str
    revision: str | None
    tables: dict[str, int]
    collections: dict[str, int]
    vectors_missing: dict[str, list[str]] = field(default_factory=dict)
    dimensions: int | None = None
    uploads: dict[str, int] = field(default_factory=dict)
    members: dict[str, MemberDigest] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    format: int = FORMAT

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            raw: dict[str, Any] = json.loads(data)
            if raw.get("format") != FORMAT:
                raise BackupCorrupted(f"unknown archive format {raw.get('format')!r}")
            raw["members"] = {k: MemberDigest(**v) for k, v in raw["members"].items()}
            return cls(**raw)
        except (ValueError, TypeError, KeyError) as error:
            raise BackupCorrupted("the archive's manifest cannot be read") from error


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    created_at: str
    archive: str
    size: int
    sha256: str
    encrypted: bool
    dialect: str
    revision: str | None
    format: int = FORMAT

    @property
    def created(self) -> datetime:
        return datetime.fromisoformat(self.created_at)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Entry:
        try:
            return cls(**json.loads(data))
        except (ValueError, TypeError) as error:
            raise BackupCorrupted("a backup's entry cannot be read") from error
