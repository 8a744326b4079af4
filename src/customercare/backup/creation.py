"""``create``: snapshot the database, export the vectors of exactly the snapshot's chunks,
archive them with the manifest, encrypt, and store the archive then its entry."""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

from customercare.backup import archive, database
from customercare.backup.crypto import encrypt_file, make_cipher
from customercare.backup.manifest import Entry, Manifest, new_backup_id
from customercare.backup.stores import Stores

__all__ = ["SNAPSHOT_ATTEMPTS", "create_backup"]

# A document re-indexed between the database snapshot and the vector export has its old
# vectors deleted: the snapshot is taken again, then what is still missing is recorded.
SNAPSHOT_ATTEMPTS = 3


def _export(stores: Stores, work: Path) -> tuple[str, database.DatabaseState, Manifest]:
    attempt = 0
    while True:
        attempt += 1
        if work.exists():
            shutil.rmtree(work)
        work.mkdir()
        started = time.monotonic()
        member, state = database.snapshot(stores.database_url, work)
        database_seconds = time.monotonic() - started
        collections: dict[str, int] = {}
        missing: dict[str, list[str]] = {}
        dimensions: int | None = None
        for workspace_id in state.workspaces:
            chunk_ids = state.chunks.get(workspace_id, [])
            batches = stores.vectors.export(workspace_id=workspace_id, chunk_ids=chunk_ids)
            written, size = archive.write_vectors(work, workspace_id, batches)
            collections[workspace_id] = len(written)
            dimensions = size or dimensions
            absent = sorted(set(chunk_ids) - set(written))
            if absent:
                missing[workspace_id] = absent
        if not missing or attempt == SNAPSHOT_ATTEMPTS:
            manifest = Manifest(
                id="",
                created_at="",
                app_version=version("customercare"),
                dialect=database.dialect_of(stores.database_url),
                revision=state.revision,
                tables=state.tables,
                collections=collections,
                vectors_missing=missing,
                dimensions=dimensions,
                uploads=state.uploads,
                seconds={
                    "database": round(database_seconds, 3),
                    "vectors": round(time.monotonic() - started - database_seconds, 3),
                },
            )
            return member, state, manifest


def create_backup(stores: Stores, *, now: datetime) -> tuple[Entry, Manifest]:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ccgpt-backup-") as scratch:
        root = Path(scratch)
        work = root / "members"
        _, _, manifest = _export(stores, work)
        if stores.secret_key_file is not None and stores.secret_key_file.is_file():
            (work / "files").mkdir(exist_ok=True)
            shutil.copyfile(stores.secret_key_file, work / "files" / "secret_key")
        manifest.id = new_backup_id(now)
        manifest.created_at = now.isoformat()
        manifest.members = archive.member_digests(work)
        packed = root / f"{manifest.id}.tar.gz"
        archive.pack(work, manifest, packed)
        if stores.keys:
            sealed = packed.with_name(packed.name + ".enc")
            encrypt_file(make_cipher(stores.keys), packed, sealed)
            packed = sealed
        checked = archive.digest(packed)
        entry = Entry(
            id=manifest.id,
            created_at=manifest.created_at,
            archive=packed.name,
            size=checked.size,
            sha256=checked.sha256,
            encrypted=bool(stores.keys),
            dialect=manifest.dialect,
            revision=manifest.revision,
        )
        stores.target.put(packed.name, packed)
        entry_file = root / f"{manifest.id}.json"
        entry_file.write_bytes(entry.to_json())
        stores.target.put(entry_file.name, entry_file)
    manifest.seconds["total"] = round(time.monotonic() - started, 3)
    return entry, manifest
