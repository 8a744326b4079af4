"""The archive file: a gzip'd tar whose first member is ``manifest.json``, then
``database/...``, ``vectors/<workspace>.json`` (ids, document ids, versions) with
``vectors/<workspace>.f32`` (the embeddings, float32 rows) and ``files/...``. Unpacking takes
only the regular files the manifest names, and checks each one's SHA-256 and size."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from customercare.backup.errors import BackupCorrupted
from customercare.backup.manifest import Manifest, MemberDigest
from customercare.search.service import VectorBatch

__all__ = ["digest", "member_digests", "pack", "read_vectors", "unpack", "write_vectors"]

MANIFEST = "manifest.json"
MEMBER_NAME = re.compile(r"^(database|vectors|files)/[A-Za-z0-9_-][A-Za-z0-9._-]*$")
READ_ROWS = 1000


def digest(path: Path) -> MemberDigest:
    sha = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(1024 * 1024):
            sha.update(block)
    return MemberDigest(sha256=sha.hexdigest(), size=path.stat().st_size)


def member_digests(directory: Path) -> dict[str, MemberDigest]:
    return {
        path.relative_to(directory).as_posix(): digest(path)
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def write_vectors(
    directory: Path, workspace_id: str, batches: Iterable[VectorBatch]
) -> tuple[list[str], int | None]:
    """Write one workspace's vectors; return the ids written and the dimension."""
    folder = directory / "vectors"
    folder.mkdir(parents=True, exist_ok=True)
    ids: list[str] = []
    documents: list[str] = []
    versions: list[int] = []
    dimensions: int | None = None
    with (folder / f"{workspace_id}.f32").open("wb") as rows:
        for batch in batches:
            ids += batch.ids
            documents += batch.documents
            versions += batch.versions
            dimensions = int(batch.vectors.shape[1])
            rows.write(np.ascontiguousarray(batch.vectors, dtype="<f4").tobytes())
    meta = {"ids": ids, "documents": documents, "versions": versions, "dimensions": dimensions}
    (folder / f"{workspace_id}.json").write_text(json.dumps(meta))
    return ids, dimensions


def read_vectors(directory: Path, workspace_id: str) -> Iterator[VectorBatch]:
    meta = json.loads((directory / "vectors" / f"{workspace_id}.json").read_text())
    ids, dimensions = meta["ids"], meta["dimensions"]
    if not ids:
        return
    matrix = np.fromfile(directory / "vectors" / f"{workspace_id}.f32", dtype="<f4")
    if matrix.size != len(ids) * dimensions:
        raise BackupCorrupted(f"the vectors of workspace {workspace_id} do not match their ids")
    matrix = matrix.reshape(len(ids), dimensions).astype(np.float32)
    for start in range(0, len(ids), READ_ROWS):
        end = start + READ_ROWS
        yield VectorBatch(
            ids=ids[start:end],
            documents=meta["documents"][start:end],
            versions=meta["versions"][start:end],
            vectors=matrix[start:end],
        )


def pack(directory: Path, manifest: Manifest, target: Path) -> None:
    with tarfile.open(target, "w:gz", compresslevel=1) as archive:
        data = manifest.to_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
        for name in sorted(manifest.members):
            archive.add(directory / name, arcname=name, recursive=False)


def unpack(source: Path, directory: Path) -> Manifest:
    """Extract the members the manifest names into ``directory`` and check them."""
    try:
        with tarfile.open(source, "r:gz") as archive:
            first = archive.next()
            handle = archive.extractfile(first) if first is not None else None
            if first is None or first.name != MANIFEST or handle is None:
                raise BackupCorrupted("the archive does not start with its manifest")
            manifest = Manifest.from_json(handle.read())
            seen: set[str] = set()
            for member in archive:
                if member.offset == first.offset:
                    continue  # iteration starts again at the manifest
                expected = manifest.members.get(member.name)
                if (
                    expected is None
                    or not MEMBER_NAME.match(member.name)
                    or not member.isfile()
                    or member.name in seen
                ):
                    raise BackupCorrupted(f"unexpected member {member.name!r} in the archive")
                seen.add(member.name)
                path = directory / member.name
                path.parent.mkdir(parents=True, exist_ok=True)
                content = archive.extractfile(member)
                if content is None:
                    raise BackupCorrupted(f"member {member.name!r} cannot be read")
                with path.open("wb") as out:
                    shutil.copyfileobj(content, out)
                if digest(path) != expected:
                    raise BackupCorrupted(f"checksum of {member.name} differs from the manifest")
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupCorrupted(f"the archive cannot be read: {error}") from error
    missing = sorted(set(manifest.members) - seen)
    if missing:
        raise BackupCorrupted(f"members missing from the archive: {', '.join(missing)}")
    return manifest
