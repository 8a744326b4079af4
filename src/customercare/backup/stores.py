"""What a backup reads and writes, resolved once from the settings: the database URL, the
vector store, the target, the encryption keys and the secret-key file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from customercare.backup.targets import Target, open_target
from customercare.search.service import VectorTransfer, open_vector_transfer
from customercare.settings import Settings

__all__ = ["Stores", "stores_from_settings"]


@dataclass
class Stores:
    database_url: str
    vectors: VectorTransfer
    target: Target
    keys: str | None = None
    # The generated JWT signing key in the data directory (None when the settings set one):
    # archived so that tokens and widget frames signed before the disaster stay valid.
    secret_key_file: Path | None = None


def stores_from_settings(settings: Settings, *, target: str | None = None) -> Stores:
    keys = settings.backup_encryption_key
    return Stores(
        database_url=settings.resolved_database_url,
        vectors=open_vector_transfer(url=settings.chroma_url, path=settings.chroma_path),
        target=open_target(settings, target),
        keys=keys.get_secret_value() if keys else None,
        secret_key_file=None if settings.secret_key else settings.data_dir / "secret_key",
    )
