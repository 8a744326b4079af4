"""Backups' public face: ``create_backup``, ``list_backups``, ``verify_backup``,
``restore_backup``, ``prune_backups`` over ``Stores`` resolved from the settings
(``stores_from_settings``), and ``generate_key`` for encryption.

An archive holds the database (uploaded files included: their bytes are rows of
``document_contents``), the vectors of exactly the database snapshot's chunks with their
embeddings, and the generated secret key; docs/BACKUP_DISASTER_RECOVERY_GUIDE.md."""

from __future__ import annotations

from dataclasses import dataclass

from customercare.backup.creation import create_backup
from customercare.backup.crypto import generate_key
from customercare.backup.errors import (
    BackupCorrupted,
    BackupError,
    BackupKeyError,
    BackupNotFound,
    RestoreRefused,
)
from customercare.backup.manifest import ID_PATTERN, Entry, Manifest
from customercare.backup.recovery import RestoreReport, VerifyReport, restore_backup, verify_backup
from customercare.backup.retention import select_kept
from customercare.backup.stores import Stores, stores_from_settings
from customercare.backup.targets import LocalTarget, S3Target, Target, open_target

__all__ = [
    "BackupCorrupted",
    "BackupError",
    "BackupKeyError",
    "BackupNotFound",
    "Entry",
    "LocalTarget",
    "Manifest",
    "PruneReport",
    "RestoreRefused",
    "RestoreReport",
    "S3Target",
    "Stores",
    "Target",
    "VerifyReport",
    "create_backup",
    "generate_key",
    "list_backups",
    "open_target",
    "prune_backups",
    "restore_backup",
    "select_kept",
    "stores_from_settings",
    "verify_backup",
]


def list_backups(target: Target) -> list[Entry]:
    """Finished backups (those whose entry was written), newest first."""
    entries = []
    for name in target.names():
        if name.endswith(".json") and ID_PATTERN.match(name[: -len(".json")]):
            try:
                entries.append(Entry.from_json(target.read(name)))
            except (BackupCorrupted, BackupNotFound):
                continue
    return sorted(entries, key=lambda entry: entry.created, reverse=True)


@dataclass(frozen=True)
class PruneReport:
    kept: list[Entry]
    deleted: list[Entry]


def prune_backups(target: Target, *, daily: int, weekly: int, dry_run: bool = False) -> PruneReport:
    """Delete what the retention policy does not keep (its entry first, so that a prune
    interrupted half-way never lists a backup whose archive is gone)."""
    if daily <= 0 and weekly <= 0:
        raise BackupError("a retention policy must keep something (--keep-daily or --keep-weekly)")
    entries = list_backups(target)
    kept, deleted = select_kept([(e.created, e) for e in entries], daily=daily, weekly=weekly)
    if not dry_run:
        for entry in deleted:
            target.delete(f"{entry.id}.json")
            target.delete(entry.archive)
    return PruneReport(kept, deleted)
