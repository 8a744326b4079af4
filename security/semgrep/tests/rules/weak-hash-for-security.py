# ruff: noqa
# Deliberately insecure code: the fixture of a Semgrep rule test, never imported or run.
"""Rule test: weak-hash-for-security."""

import hashlib


def digest(data):
    # ruleid: weak-hash-for-security
    hashlib.md5(data)
    # ruleid: weak-hash-for-security
    hashlib.sha1(data).hexdigest()
    # ruleid: weak-hash-for-security
    hashlib.new("md5", data)

    # ok: weak-hash-for-security
    hashlib.sha256(data)
    # ok: weak-hash-for-security
    hashlib.md5(data, usedforsecurity=False)
    # ok: weak-hash-for-security
    hashlib.new("sha256", data)
