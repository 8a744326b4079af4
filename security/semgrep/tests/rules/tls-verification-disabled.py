# ruff: noqa
# Deliberately insecure code: the fixture of a Semgrep rule test, never imported or run.
"""Rule test: tls-verification-disabled."""

import httpx
import requests


def fetch(url, session):
    # ruleid: tls-verification-disabled
    requests.get(url, verify=False, timeout=5)
    # ruleid: tls-verification-disabled
    requests.post(url, json={}, verify=False, timeout=5)
    # ruleid: tls-verification-disabled
    httpx.get(url, verify=False)
    # ruleid: tls-verification-disabled
    client = httpx.Client(verify=False)
    # ruleid: tls-verification-disabled
    httpx.AsyncClient(base_url=url, verify=False)
    # ruleid: tls-verification-disabled
    session.get(url, verify=False)
    # ruleid: tls-verification-disabled
    session.verify = False

    # ok: tls-verification-disabled
    requests.get(url, timeout=5)
    # ok: tls-verification-disabled
    httpx.Client(verify="/etc/ssl/certs/ca-certificates.crt")
    # ok: tls-verification-disabled
    httpx.Client(verify=True)
    return client
