"""``verify`` and ``restore``: fetch an archive, check its checksum, decrypt it, unpack it
and check every member against the manifest; then either restore it into scratch stores and
compare, or restore it into the configured stores, all or nothing:

1. the archived vectors are staged in collections of their own (the live ones untouched);
2. the database is replaced in one transaction (database.restore);
3. only then are the staged collections renamed to the live names.

A failure in 1 or 2 discards what was staged and leaves the target as it was. Step 3 only
renames; if it is interrupted, running the same restore again completes it."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from customercare.backup import archive, database
from customercare.backup.crypto import decrypt_file, make_cipher
from customercare.backup.errors import (
    BackupCorrupted,
    BackupKeyError,
    BackupNotFound,
    RestoreRefused,
)
from customercare.backup.manifest import ID_PATTERN, Entry, Manifest
from customercare.backup.stores import Stores
from customercare.db import migrate

__all__ = ["RestoreReport", "VerifyReport", "fetch", "restore_backup", "verify_backup"]


@dataclass
class Fetched:
    entry: Entry
    manifest: Manifest
    members: Path
    seconds: float


@dataclass
class VerifyReport:
    entry: Entry
    manifest: Manifest
    problems: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class RestoreReport:
    entry: Entry
    manifest: Manifest
    replaced_rows: int
    migrated_to: str | None
    seconds: dict[str, float] = field(default_factory=dict)


def read_entry(stores: Stores, backup_id: str) -> Entry:
    if not ID_PATTERN.match(backup_id):
        raise BackupNotFound(f"{backup_id!r} is not a backup id (see ccgpt backup list)")
    try:
        return Entry.from_json(stores.target.read(f"{backup_id}.json"))
    except BackupNotFound as error:
        raise BackupNotFound(
            f"no backup {backup_id} in {stores.target.describe()} (see ccgpt backup list)"
        ) from error


@contextmanager
def fetch(stores: Stores, backup_id: str) -> Iterator[Fetched]:
    """The checked, decrypted, unpacked archive in a scratch directory (removed after)."""
    started = time.monotonic()
    entry = read_entry(stores, backup_id)
    with tempfile.TemporaryDirectory(prefix="ccgpt-restore-") as scratch:
        root = Path(scratch)
        stored = root / entry.archive
        stores.target.get(entry.archive, stored)
        found = archive.digest(stored)
        if found.sha256 != entry.sha256 or found.size != entry.size:
            raise BackupCorrupted(
                f"the archive of {backup_id} is corrupted: its SHA-256 is {found.sha256}, "
                f"{entry.sha256} was recorded"
            )
        packed = stored
        if entry.encrypted:
            if not stores.keys:
                raise BackupKeyError(
                    f"{backup_id} is encrypted: set CCGPT_BACKUP_ENCRYPTION_KEY to its key"
                )
            packed = root / "archive.tar.gz"
            decrypt_file(make_cipher(stores.keys), stored, packed)
            stored.unlink()
        members = root / "members"
        members.mkdir()
        manifest = archive.unpack(packed, members)
        packed.unlink()
        if manifest.id != entry.id:
            raise BackupCorrupted(f"the archive holds backup {manifest.id}, not {entry.id}")
        yield Fetched(entry, manifest, members, time.monotonic() - started)


def _compare(label: str, expected: dict[str, int], found: dict[str, int]) -> list[str]:
    return [
        f"{label} {name}: {expected.get(name)} in the manifest, {found.get(name)} restored"
        for name in sorted(set(expected) | set(found))
        if expected.get(name) != found.get(name)
    ]


def verify_backup(stores: Stores, backup_id: str) -> VerifyReport:
    """Check the archive, restore its database into a scratch database and compare counts,
    revision and the vectors with what the manifest recorded."""
    with fetch(stores, backup_id) as fetched:
        manifest = fetched.manifest
        report = VerifyReport(fetched.entry, manifest, seconds={"fetch": fetched.seconds})
        started = time.monotonic()
        member = fetched.members / database.MEMBER[manifest.dialect]
        url = stores.database_url
        if database.dialect_of(url) != manifest.dialect:
            url = f"sqlite:///{fetched.members / 'scratch.db'}"  # any SQLite will do
        with database.scratch_copy(url, member) as state:
            report.problems += _compare("table", manifest.tables, state.tables)
            if state.revision != manifest.revision:
                report.problems.append(
                    f"revision {state.revision} restored, {manifest.revision} in the manifest"
                )
            vectors: dict[str, int] = {}
            for workspace_id in manifest.collections:
                chunk_ids = set(state.chunks.get(workspace_id, []))
                ids = [
                    i for b in archive.read_vectors(fetched.members, workspace_id) for i in b.ids
                ]
                vectors[workspace_id] = len(ids)
                strays = len(set(ids) - chunk_ids)
                if strays:
                    report.problems.append(f"{strays} vectors of {workspace_id} have no chunk")
            report.problems += _compare("collection", manifest.collections, vectors)
        report.seconds["scratch_restore"] = round(time.monotonic() - started, 3)
    return report


def _existing_vectors(stores: Stores, workspaces: list[str]) -> int:
    return sum(stores.vectors.count(workspace_id=w) for w in workspaces)


def restore_backup(stores: Stores, backup_id: str, *, force: bool = False) -> RestoreReport:
    with fetch(stores, backup_id) as fetched:
        manifest = fetched.manifest
        seconds = {"fetch": round(fetched.seconds, 3)}
        dialect = database.dialect_of(stores.database_url)
        if dialect != manifest.dialect:
            raise RestoreRefused(
                f"{backup_id} is a {manifest.dialect} backup; the target database is {dialect}"
            )
        if manifest.revision and not migrate.knows_revision(manifest.revision):
            raise RestoreRefused(
                f"{backup_id} is at migration {manifest.revision}, which this release does "
                "not know: restore it with the release that made it"
            )
        current = database.target_state(stores.database_url)
        vectors_now = _existing_vectors(stores, current.workspaces)
        if (current.rows or vectors_now) and not force:
            raise RestoreRefused(
                f"the target is not empty ({current.rows} rows, {vectors_now} vectors): "
                "--force replaces everything in it"
            )
        token = uuid.uuid4().hex[:8]
        workspaces = sorted(manifest.collections)
        started = time.monotonic()
        try:
            for workspace_id in workspaces:
                for batch in archive.read_vectors(fetched.members, workspace_id):
                    stores.vectors.stage(token=token, workspace_id=workspace_id, batch=batch)
                staged = stores.vectors.staged_count(token=token, workspace_id=workspace_id)
                if staged != manifest.collections[workspace_id]:
                    raise BackupCorrupted(f"{staged} vectors of {workspace_id} were staged")
            seconds["stage_vectors"] = round(time.monotonic() - started, 3)
            started = time.monotonic()
            database.restore(stores.database_url, fetched.members / database.MEMBER[dialect])
            seconds["database"] = round(time.monotonic() - started, 3)
        except BaseException:
            stores.vectors.discard(token=token, workspace_ids=workspaces)
            raise
        started = time.monotonic()
        stores.vectors.promote(token=token, workspace_ids=workspaces, replace=current.workspaces)
        _restore_secret_key(stores, fetched.members)
        seconds["promote"] = round(time.monotonic() - started, 3)
        migrated_to = None
        if manifest.revision != migrate.current_head():
            started = time.monotonic()
            migrate.upgrade(stores.database_url)
            migrated_to = migrate.current_head()
            seconds["migrate"] = round(time.monotonic() - started, 3)
        return RestoreReport(fetched.entry, manifest, current.rows, migrated_to, seconds)


def _restore_secret_key(stores: Stores, members: Path) -> None:
    archived = members / "files" / "secret_key"
    if stores.secret_key_file is None or not archived.is_file():
        return
    stores.secret_key_file.parent.mkdir(parents=True, exist_ok=True)
    partial = stores.secret_key_file.with_name(".secret_key.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(archived.read_bytes())
    partial.replace(stores.secret_key_file)
