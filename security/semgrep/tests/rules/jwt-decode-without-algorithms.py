# ruff: noqa
# Deliberately insecure code: the fixture of a Semgrep rule test, never imported or run.
"""Rule test: jwt-decode-without-algorithms."""

import jwt


def claims(token, key):
    # ruleid: jwt-decode-without-algorithms
    jwt.decode(token, key)
    # ruleid: jwt-decode-without-algorithms
    jwt.decode(token, key=key, audience="api")

    # ok: jwt-decode-without-algorithms
    jwt.decode(token, key, algorithms=["HS256"])
    # ok: jwt-decode-without-algorithms
    jwt.decode(token, key, ["RS256"])
    # ok: jwt-decode-without-algorithms
    jwt.encode({"sub": "1"}, key)
