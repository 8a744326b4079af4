"""Where archives are kept: a local directory or an S3-compatible bucket, behind one small
interface. Objects are written whole (a local file appears by an atomic rename; an S3 object
appears when its upload completes), and the entry of a backup is written after its archive."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from customercare.backup.errors import BackupError, BackupNotFound
from customercare.settings import Settings

__all__ = ["LocalTarget", "S3Target", "Target", "open_target"]


class Target(Protocol):
    def describe(self) -> str: ...

    def put(self, name: str, source: Path) -> None: ...

    def get(self, name: str, destination: Path) -> None:
        """Copy object ``name`` to ``destination``; ``BackupNotFound`` if it is not there."""
        ...

    def read(self, name: str) -> bytes: ...

    def names(self) -> list[str]: ...

    def delete(self, name: str) -> None: ...


class LocalTarget:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def describe(self) -> str:
        return str(self.directory)

    def put(self, name: str, source: Path) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = self.directory / f".{name}.partial"
        shutil.copyfile(source, partial)
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        partial.replace(self.directory / name)

    def get(self, name: str, destination: Path) -> None:
        try:
            shutil.copyfile(self.directory / name, destination)
        except FileNotFoundError as error:
            raise BackupNotFound(f"{name} is not in {self.directory}") from error

    def read(self, name: str) -> bytes:
        try:
            return (self.directory / name).read_bytes()
        except FileNotFoundError as error:
            raise BackupNotFound(f"{name} is not in {self.directory}") from error

    def names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.name for p in self.directory.iterdir() if not p.name.startswith("."))

    def delete(self, name: str) -> None:
        (self.directory / name).unlink(missing_ok=True)


class S3Target:
    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def put(self, name: str, source: Path) -> None:
        self._client.upload_file(str(source), self.bucket, self._key(name))

    def _missing(self, error: Exception) -> bool:
        code = str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))
        return code in {"404", "NoSuchKey", "NotFound"}

    def get(self, name: str, destination: Path) -> None:
        try:
            self._client.download_file(self.bucket, self._key(name), str(destination))
        except Exception as error:
            if self._missing(error):
                raise BackupNotFound(f"{name} is not in {self.describe()}") from error
            raise BackupError(f"cannot fetch {name} from {self.describe()}: {error}") from error

    def read(self, name: str) -> bytes:
        try:
            body = self._client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"]
            data: bytes = body.read()
            return data
        except Exception as error:
            if self._missing(error):
                raise BackupNotFound(f"{name} is not in {self.describe()}") from error
            raise BackupError(f"cannot read {name} from {self.describe()}: {error}") from error

    def names(self) -> list[str]:
        found: list[str] = []
        start = f"{self.prefix}/" if self.prefix else ""
        for page in self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        ):
            for item in page.get("Contents", []):
                name = str(item["Key"])[len(start) :]
                if name and "/" not in name:
                    found.append(name)
        return sorted(found)

    def delete(self, name: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=self._key(name))


def open_target(settings: Settings, location: str | None = None) -> Target:
    """``location`` (else the settings' target): ``s3://bucket/prefix`` or a directory."""
    where = location or settings.resolved_backup_target
    parsed = urlparse(where)
    if parsed.scheme != "s3":
        return LocalTarget(Path(where).expanduser())
    if not parsed.netloc:
        raise BackupError(f"no bucket in {where!r} (s3://bucket/prefix)")
    import boto3  # heavy (botocore): only for an S3 target

    secret = settings.backup_s3_secret_access_key
    client = boto3.client(
        "s3",
        endpoint_url=settings.backup_s3_endpoint_url,
        region_name=settings.backup_s3_region,
        aws_access_key_id=settings.backup_s3_access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
    )
    return S3Target(client, parsed.netloc, parsed.path)
