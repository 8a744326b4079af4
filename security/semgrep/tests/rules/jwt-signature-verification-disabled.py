# ruff: noqa
# Deliberately insecure code: the fixture of a Semgrep rule test, never imported or run.
"""Rule test: jwt-signature-verification-disabled."""

import jwt


def claims(token, key):
    # ruleid: jwt-signature-verification-disabled
    jwt.decode(token, key, algorithms=["HS256"], options={"verify_signature": False})
    options = {"verify_signature": False, "verify_exp": True}
    # ruleid: jwt-signature-verification-disabled
    jwt.decode(token, key, algorithms=["HS256"], options=options)

    # ok: jwt-signature-verification-disabled
    jwt.decode(token, key, algorithms=["HS256"], options={"verify_exp": True})
    # ok: jwt-signature-verification-disabled
    jwt.decode(token, key, algorithms=["HS256"])
    # ok: jwt-signature-verification-disabled
    jwt.get_unverified_header(token)
