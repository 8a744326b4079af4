# ruff: noqa
# Deliberately insecure code: the fixture of a Semgrep rule test, never imported or run.
"""Rule test: insecure-deserialization."""

import json
import marshal
import pickle


def restore(blob, handle):
    # ruleid: insecure-deserialization
    pickle.loads(blob)
    # ruleid: insecure-deserialization
    pickle.load(handle)
    # ruleid: insecure-deserialization
    marshal.loads(blob)

    # ok: insecure-deserialization
    json.loads(blob)
    # ok: insecure-deserialization
    pickle.dumps(blob)
