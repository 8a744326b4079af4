"""``ccgpt backup`` on the embedded backend: a round trip, the refusals and errors a person
meets (unknown id, corrupted or tampered archive, wrong or missing key, non-empty target),
encryption, retention with fixed dates, and an S3 target on a loopback moto server."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from chromadb.api.client import SharedSystemClient

from customercare.backup import crypto
from customercare.backup.manifest import Entry
from tests.support.cli import invoke, output
from tests.support.loopback import free_port

Run = Callable[..., tuple[int, str]]
BACKUP_ID = re.compile(r"backup: (ccgpt-\S+)")
MARKDOWN = b"# Refunds\n\nRefunds reach the original card within 14 days of the return.\n"


@pytest.fixture
def ccgpt(data_dir: Path) -> Run:
    def run(*args: str) -> tuple[int, str]:
        result = invoke(*args)
        return result.exit_code, output(result)

    return run


def workspace(ccgpt: Run) -> str:
    code, text = ccgpt("workspace", "create", "Quokka")
    assert code == 0, text
    found = re.search(r"workspace_id: (\S+)", text)
    assert found is not None
    return found.group(1)


def create(ccgpt: Run, *args: str) -> str:
    code, text = ccgpt("backup", "create", *args)
    assert code == 0, text
    found = BACKUP_ID.search(text)
    assert found is not None, text
    return found.group(1)


def test_round_trip_refuses_a_non_empty_target_without_force(
    ccgpt: Run, data_dir: Path, tmp_path: Path
) -> None:
    ws = workspace(ccgpt)
    source = tmp_path / "refunds.md"
    source.write_bytes(MARKDOWN)
    assert ccgpt("ingest", "-w", ws, str(source))[0] == 0
    backup_id = create(ccgpt)

    code, text = ccgpt("backup", "list")
    assert code == 0, text
    assert backup_id in text, text
    assert "1 backups" in text, text
    code, text = ccgpt("backup", "verify", backup_id)
    assert code == 0, text
    assert f"{backup_id}: ok" in text, text

    code, text = ccgpt("backup", "restore", backup_id)
    assert code == 1, text
    assert "not empty" in text, text
    assert "--force" in text, text
    assert "restore_refused" in text, text

    # Disaster: the database and the vectors are gone.
    for path in [*data_dir.glob("customercare.db*"), data_dir / "chroma"]:
        subprocess.run(["rm", "-rf", str(path)], check=True)
    # A new process would open Chroma afresh; this one forgets the client of the lost files.
    SharedSystemClient.clear_system_cache()
    code, text = ccgpt("backup", "restore", backup_id)
    assert code == 0, text
    assert f"restored {backup_id}" in text, text
    code, text = ccgpt("search", "-w", ws, "refund to my card")
    assert code == 0, text
    assert "original card" in text, text
    code, text = ccgpt("backup", "restore", backup_id, "--force")
    assert code == 0, text


def test_unknown_or_malformed_id(ccgpt: Run) -> None:
    workspace(ccgpt)
    for wrong in ("ccgpt-20260101T000000Z-abcdef", "../etc/passwd"):
        for command in ("verify", "restore"):
            code, text = ccgpt("backup", command, wrong)
            assert code == 1, text
            assert "backup_not_found" in text, text
            assert "ccgpt backup list" in text, text


def test_a_corrupted_archive_fails_its_checksum(ccgpt: Run, data_dir: Path) -> None:
    workspace(ccgpt)
    backup_id = create(ccgpt)
    archive = data_dir / "backups" / f"{backup_id}.tar.gz"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    for command in ("verify", "restore"):
        code, text = ccgpt("backup", command, backup_id)
        assert code == 1, text
        assert "is corrupted: its SHA-256" in text, text
        assert "backup_corrupted" in text, text


def rewrite(data_dir: Path, backup_id: str, change: Callable[[str, bytes], bytes]) -> None:
    """Repack the archive with ``change`` applied to each member and record the new file's
    checksum in its entry, as someone who tampers with both would."""
    folder = data_dir / "backups"
    archive = folder / f"{backup_id}.tar.gz"
    members = []
    with tarfile.open(archive, "r:gz") as packed:
        for member in packed.getmembers():
            handle = packed.extractfile(member)
            assert handle is not None
            members.append((member.name, change(member.name, handle.read())))
    with tarfile.open(archive, "w:gz") as packed:
        for name, content in members:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            packed.addfile(info, io.BytesIO(content))
    entry = json.loads((folder / f"{backup_id}.json").read_text())
    from customercare.backup.archive import digest

    entry["sha256"], entry["size"] = digest(archive).sha256, archive.stat().st_size
    (folder / f"{backup_id}.json").write_text(json.dumps(entry))


def test_a_tampered_member_fails_verify(ccgpt: Run, data_dir: Path) -> None:
    workspace(ccgpt)
    backup_id = create(ccgpt)

    def flip_database(name: str, content: bytes) -> bytes:
        return content[:-1] + bytes([content[-1] ^ 1]) if name.startswith("database/") else content

    rewrite(data_dir, backup_id, flip_database)
    code, text = ccgpt("backup", "verify", backup_id)
    assert code == 1, text
    assert "checksum of database/sqlite.db differs from the manifest" in text, text


def test_a_tampered_manifest_count_fails_verify(ccgpt: Run, data_dir: Path) -> None:
    workspace(ccgpt)
    backup_id = create(ccgpt)

    def more_workspaces(name: str, content: bytes) -> bytes:
        if name != "manifest.json":
            return content
        manifest = json.loads(content)
        manifest["tables"]["workspaces"] += 1
        return json.dumps(manifest).encode()

    rewrite(data_dir, backup_id, more_workspaces)
    code, text = ccgpt("backup", "verify", backup_id)
    assert code == 1, text
    assert "mismatch: table workspaces: 2 in the manifest, 1 restored" in text, text


def test_encrypted_backups_need_the_right_key(
    ccgpt: Run, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace(ccgpt)
    key = crypto.generate_key()
    monkeypatch.setenv("CCGPT_BACKUP_ENCRYPTION_KEY", key)
    backup_id = create(ccgpt)
    archive = data_dir / "backups" / f"{backup_id}.tar.gz.enc"
    assert crypto.is_encrypted(archive)
    assert b"Quokka" not in archive.read_bytes()
    assert ccgpt("backup", "verify", backup_id)[0] == 0

    monkeypatch.setenv("CCGPT_BACKUP_ENCRYPTION_KEY", crypto.generate_key())
    code, text = ccgpt("backup", "verify", backup_id)
    assert code == 1, text
    assert "does not open this archive (wrong key?)" in text, text
    monkeypatch.setenv("CCGPT_BACKUP_ENCRYPTION_KEY", "short")  # pragma: allowlist secret
    code, text = ccgpt("backup", "restore", backup_id, "--force")
    assert code == 1, text
    assert "not a Fernet key" in text, text
    monkeypatch.delenv("CCGPT_BACKUP_ENCRYPTION_KEY")
    code, text = ccgpt("backup", "restore", backup_id, "--force")
    assert code == 1, text
    assert "is encrypted: set CCGPT_BACKUP_ENCRYPTION_KEY" in text, text
    monkeypatch.setenv("CCGPT_BACKUP_ENCRYPTION_KEY", f"{crypto.generate_key()},{key}")
    code, text = ccgpt("backup", "restore", backup_id, "--force")
    assert code == 0, text


def fake_backups(folder: Path, days: list[str]) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for number, day in enumerate(days):
        backup_id = f"ccgpt-{day.replace('-', '')}T030000Z-{number:06x}"
        entry = Entry(
            id=backup_id,
            created_at=f"{day}T03:00:00+00:00",
            archive=f"{backup_id}.tar.gz",
            size=1,
            sha256="0" * 64,
            encrypted=False,
            dialect="sqlite",
            revision="0006_widget",
        )
        (folder / entry.archive).write_bytes(b"x")
        (folder / f"{backup_id}.json").write_bytes(entry.to_json())
        ids.append(backup_id)
    return ids


def test_prune_keeps_exactly_the_policy(ccgpt: Run, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    # Mondays to Sundays of ISO weeks 45 and 46 of 2026, plus 2026-10-26 (week 44).
    days = ["2026-10-26"] + [f"2026-11-{d:02d}" for d in range(2, 16)]
    ids = dict(zip(days, fake_backups(folder, days), strict=True))
    code, text = ccgpt(
        "backup", "prune", "-t", str(folder), "--keep-daily", "2", "--keep-weekly", "3", "--dry-run"
    )
    assert code == 0, text
    assert "kept 4, would delete 11" in text, text
    assert len(list(folder.iterdir())) == 2 * len(days)
    code, text = ccgpt(
        "backup", "prune", "-t", str(folder), "--keep-daily", "2", "--keep-weekly", "3"
    )
    assert code == 0, text
    assert "kept 4, deleted 11" in text, text
    kept = {ids[d] for d in ("2026-11-15", "2026-11-14", "2026-11-08", "2026-10-26")}
    assert {p.name.split(".")[0] for p in folder.iterdir()} == kept
    code, text = ccgpt(
        "backup", "prune", "-t", str(folder), "--keep-daily", "0", "--keep-weekly", "0"
    )
    assert code == 1, text
    assert "must keep something" in text, text


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto S3 server on loopback, its bucket, and the settings that point at it."""
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(endpoint, timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "moto_server did not start"
                time.sleep(0.2)
        credentials: dict[str, Any] = {
            "aws_access_key_id": "test",  # pragma: allowlist secret
            "aws_secret_access_key": "test",  # pragma: allowlist secret
            "region_name": "us-east-1",
        }
        boto3.client("s3", endpoint_url=endpoint, **credentials).create_bucket(
            Bucket="ccgpt-backups"
        )
        monkeypatch.setenv("CCGPT_BACKUP_S3_ENDPOINT_URL", endpoint)
        monkeypatch.setenv("CCGPT_BACKUP_S3_REGION", "us-east-1")
        monkeypatch.setenv("CCGPT_BACKUP_S3_ACCESS_KEY_ID", "test")
        monkeypatch.setenv("CCGPT_BACKUP_S3_SECRET_ACCESS_KEY", "test")  # pragma: allowlist secret
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_s3_round_trip_on_loopback(ccgpt: Run, s3: str, data_dir: Path) -> None:
    workspace(ccgpt)
    target = "s3://ccgpt-backups/nightly"
    first = create(ccgpt, "--target", target)
    second = create(ccgpt, "--target", target)
    assert not (data_dir / "backups").exists()
    code, text = ccgpt("backup", "list", "-t", target)
    assert code == 0, text
    assert first in text, text
    assert second in text, text
    assert "2 backups" in text, text
    assert ccgpt("backup", "verify", first, "-t", target)[0] == 0
    code, text = ccgpt("backup", "restore", second, "-t", target, "--force")
    assert code == 0, text
    code, text = ccgpt("backup", "prune", "-t", target, "--keep-daily", "1", "--keep-weekly", "0")
    assert code == 0, text
    assert "kept 1, deleted 1" in text, text
    code, text = ccgpt("backup", "verify", first, "-t", target)
    assert code == 1, text
    assert "backup_not_found" in text, text
