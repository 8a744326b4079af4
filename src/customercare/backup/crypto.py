"""Encryption of an archive with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``).

Fernet encrypts a message in memory, so a file is cut into records of ``RECORD_BYTES``, each
one Fernet token whose plaintext starts with its index and a last-record flag: records cannot
be reordered, dropped or cut off at the end without the decryption noticing. The file is
``MAGIC`` then, per record, a 4-byte big-endian length and the token."""

from __future__ import annotations

import struct
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from customercare.backup.errors import BackupCorrupted, BackupKeyError

__all__ = ["decrypt_file", "generate_key", "is_encrypted", "make_cipher"]

MAGIC = b"CCGPT-FERNET-1\n"
RECORD_BYTES = 1024 * 1024
_HEADER = struct.Struct(">QB")
_LENGTH = struct.Struct(">I")


def generate_key() -> str:
    return Fernet.generate_key().decode()


def make_cipher(keys: str) -> MultiFernet:
    """``keys``: one Fernet key, or several separated by commas (the first encrypts)."""
    try:
        return MultiFernet([Fernet(key.strip()) for key in keys.split(",") if key.strip()])
    except ValueError as error:
        raise BackupKeyError(
            "the backup encryption key is not a Fernet key (ccgpt backup generate-key makes one)"
        ) from error


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as source:
        return source.read(len(MAGIC)) == MAGIC


def encrypt_file(cipher: MultiFernet, source: Path, target: Path) -> None:
    with source.open("rb") as plain, target.open("wb") as sealed:
        sealed.write(MAGIC)
        index = 0
        data = plain.read(RECORD_BYTES)
        while True:
            following = plain.read(RECORD_BYTES)
            last = not following
            token = cipher.encrypt(_HEADER.pack(index, last) + data)
            sealed.write(_LENGTH.pack(len(token)) + token)
            if last:
                return
            data, index = following, index + 1


def decrypt_file(cipher: MultiFernet, source: Path, target: Path) -> None:
    with source.open("rb") as sealed, target.open("wb") as plain:
        if sealed.read(len(MAGIC)) != MAGIC:
            raise BackupCorrupted("the archive is not an encrypted backup")
        index = 0
        while True:
            head = sealed.read(_LENGTH.size)
            if len(head) != _LENGTH.size:
                raise BackupCorrupted("the encrypted archive is cut short")
            (length,) = _LENGTH.unpack(head)
            token = sealed.read(length)
            try:
                record = cipher.decrypt(token)
            except InvalidToken as error:
                if index == 0:
                    raise BackupKeyError(
                        "the backup encryption key does not open this archive (wrong key?)"
                    ) from error
                raise BackupCorrupted(f"encrypted record {index} is damaged") from error
            number, last = _HEADER.unpack_from(record)
            if number != index:
                raise BackupCorrupted(f"encrypted record {index} is out of order")
            plain.write(record[_HEADER.size :])
            if last:
                if sealed.read(1):
                    raise BackupCorrupted("data follows the last encrypted record")
                return
            index += 1
