"""What goes wrong with a backup, as the application's errors (a message and a code)."""

from __future__ import annotations

from customercare.errors import AppError, NotFoundError

__all__ = [
    "BackupCorrupted",
    "BackupError",
    "BackupKeyError",
    "BackupNotFound",
    "RestoreRefused",
]


class BackupError(AppError):
    code = "backup_failed"
    status_code = 500


class BackupNotFound(NotFoundError):
    code = "backup_not_found"


class BackupCorrupted(BackupError):
    """The archive is not what was written: a checksum, a count or its framing differs."""

    code = "backup_corrupted"


class BackupKeyError(BackupError):
    """No key where one is needed, a malformed key, or a key that does not open the archive."""

    code = "backup_key"


class RestoreRefused(BackupError):
    code = "restore_refused"
    status_code = 409
