# ruff: noqa
# Deliberately insecure code: the fixture of a Semgrep rule test, never imported or run.
"""Rule test: yaml-unsafe-load."""

import yaml
from yaml import SafeLoader


def load(document, stream):
    # ruleid: yaml-unsafe-load
    yaml.load(document)
    # ruleid: yaml-unsafe-load
    yaml.load(document, Loader=yaml.Loader)
    # ruleid: yaml-unsafe-load
    yaml.load(document, Loader=yaml.UnsafeLoader)
    # ruleid: yaml-unsafe-load
    yaml.unsafe_load(document)
    # ruleid: yaml-unsafe-load
    list(yaml.load_all(stream, Loader=yaml.FullLoader))

    # ok: yaml-unsafe-load
    yaml.safe_load(document)
    # ok: yaml-unsafe-load
    yaml.load(document, Loader=yaml.SafeLoader)
    # ok: yaml-unsafe-load
    yaml.load(document, Loader=SafeLoader)
    # ok: yaml-unsafe-load
    yaml.load(document, yaml.CSafeLoader)
    # ok: yaml-unsafe-load
    list(yaml.safe_load_all(stream))
