"""Encryption of an archive in Fernet records: round trip, wrong key, damage, reordering."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from customercare.backup import crypto
from customercare.backup.errors import BackupCorrupted, BackupKeyError


def roundtrip(tmp_path: Path, data: bytes, keys: str, reader: str | None = None) -> bytes:
    plain, sealed, opened = tmp_path / "p", tmp_path / "s", tmp_path / "o"
    plain.write_bytes(data)
    crypto.encrypt_file(crypto.make_cipher(keys), plain, sealed)
    assert crypto.is_encrypted(sealed)
    assert data[:64] not in sealed.read_bytes() or not data
    crypto.decrypt_file(crypto.make_cipher(reader or keys), sealed, opened)
    return opened.read_bytes()


@pytest.mark.parametrize("size", [0, 10, crypto.RECORD_BYTES, 2 * crypto.RECORD_BYTES + 5])
def test_round_trip(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    assert roundtrip(tmp_path, data, crypto.generate_key()) == data


def test_rotation_any_listed_key_decrypts(tmp_path: Path) -> None:
    old, new = crypto.generate_key(), crypto.generate_key()
    assert roundtrip(tmp_path, b"x" * 100, old, reader=f"{new},{old}") == b"x" * 100


def test_wrong_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(BackupKeyError, match="wrong key"):
        roundtrip(tmp_path, b"secret data", crypto.generate_key(), reader=crypto.generate_key())


def test_malformed_key_is_refused() -> None:
    with pytest.raises(BackupKeyError, match="not a Fernet key"):
        crypto.make_cipher("not-a-key")  # pragma: allowlist secret


def records(path: Path) -> list[bytes]:
    data = path.read_bytes()[len(crypto.MAGIC) :]
    found = []
    while data:
        (length,) = struct.unpack(">I", data[:4])
        found.append(data[: 4 + length])
        data = data[4 + length :]
    return found


def test_dropped_reordered_or_damaged_records_are_detected(tmp_path: Path) -> None:
    key = crypto.generate_key()
    cipher = crypto.make_cipher(key)
    plain, sealed = tmp_path / "p", tmp_path / "s"
    plain.write_bytes(os.urandom(3 * crypto.RECORD_BYTES))
    crypto.encrypt_file(cipher, plain, sealed)
    parts = records(sealed)
    assert len(parts) == 3
    variants = {
        "cut short": parts[:2],
        "out of order": [parts[0], parts[2], parts[1]],
        "damaged": [parts[0], parts[1][:-10] + b"AAAAAAAAAA", parts[2]],
        "data follows": [*parts, parts[2]],
    }
    for message, chosen in variants.items():
        broken = tmp_path / "broken"
        broken.write_bytes(crypto.MAGIC + b"".join(chosen))
        with pytest.raises(BackupCorrupted, match=message):
            crypto.decrypt_file(cipher, broken, tmp_path / "out")
